"""Statistics are counted on reports taken through the real workflow by its named people."""

from tests.workflow.conftest import act, people, phong_ht, road, so_xd, so_yt, submit  # noqa: F401
