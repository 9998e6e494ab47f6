"""Triage is tested on the workflow's small province and its named people."""

from tests.backoffice.conftest import login  # noqa: F401
from tests.workflow.conftest import act, people, phong_ht, road, so_xd, so_yt, submit  # noqa: F401
