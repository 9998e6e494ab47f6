"""Helpers of the partner-system tests: a regulation report as the IOC takes it through."""

from __future__ import annotations


def accepted(report, people, so_xd, act):
    act(report, people["lan"], "accept", category="quy-dinh-hanh-chinh", lead_unit=so_xd.pk)
    return report


def verified(report, people, act, result="Đã bỏ yêu cầu bản sao công chứng, gọi 0912 345 678 nếu cần."):
    act(report, people["hung"], "assign", handler=people["tuan"].pk)
    act(report, people["tuan"], "submit_result", result=result)
    act(report, people["binh"], "approve_result")
    act(report, people["lan"], "verify")
    return report
