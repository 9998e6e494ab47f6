from django_tasks import task

from . import export_files


@task()
def build_export(export_id: int) -> int:
    """Write a report list too long to write during the request (`export_files`)."""
    return export_files.build(export_id)
