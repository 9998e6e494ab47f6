"""A task that waits for a flag file before doing its work, so that a test can kill its worker
in the middle of it. Each run writes a line when it starts and one when it finishes."""

from __future__ import annotations

import os
import time
from pathlib import Path

from django_tasks import task

from phananh.notify import services

PATIENCE_SECONDS = 60


@task()
def wait_then_notify(event_id: int, folder: str) -> int:
    here = Path(folder)
    with open(here / "runs.log", "a") as log:
        log.write(f"started {os.getpid()}\n")
    waited = 0.0
    while not (here / "go").exists():
        if waited > PATIENCE_SECONDS:
            raise TimeoutError("nobody raised the flag")
        time.sleep(0.05)
        waited += 0.05
    told = services.notify_event(event_id)
    with open(here / "runs.log", "a") as log:
        log.write(f"finished {os.getpid()}\n")
    return told


def _lines(folder: Path) -> list[list[str]]:
    path = Path(folder) / "runs.log"
    return [line.split() for line in path.read_text().splitlines()] if path.exists() else []


def runs(folder: Path) -> list[str]:
    """'started' and 'finished', one per line the runs wrote."""
    return [what for what, _pid in _lines(folder)]


def pids(folder: Path) -> list[int]:
    """The processes the runs ran in, one per line."""
    return [int(pid) for _what, pid in _lines(folder)]
