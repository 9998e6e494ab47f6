"""PhanAnh: receiving and processing citizens' field reports and petitions."""
