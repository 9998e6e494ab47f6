"""Liên thông: partner systems that receive some of our reports and tell us how they handled them.

`base` is what a partner's protocol implements, `open311` the one spoken now (GeoReport v2),
`outbox` decides what is sent and sends it, `follow` reads the partner's updates back.
"""
