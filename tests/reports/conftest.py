"""The workflow's named people and signed-in clients, for the tests of serving files."""

from tests.backoffice.conftest import login  # noqa: F401
from tests.workflow.conftest import people, phong_ht, so_xd, so_yt  # noqa: F401
