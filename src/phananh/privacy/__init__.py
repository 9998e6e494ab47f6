"""Quyền của người phản ánh: the reporter's rights over their personal data (Decree 13/2023).

With the report's secret the reporter downloads everything the system holds of them about
that report (`export`), or withdraws their consent and has their personal data erased
(`erasure`); the retention policy erases it by itself some time after the report ended
(`retention`). The report goes on without them; the statistics do not change.
"""
