"""A whole PhanAnh deployment on loopback: the processes of production, started and stopped here.

PostgreSQL and Redis are the machine's (a database and a Redis db of this run's own); the
object store is moto in server mode and the mail server an aiosmtpd server in this process.
Every process runs in its own session (process group), so that killing a node kills its
workers too, as when a machine dies, and so that nothing outlives the run: `close` ends every
group it started, drops the database, flushes only its Redis db and stops moto, whose data
lives in its memory only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import psycopg
import redis
from aiosmtpd.controller import Controller
from psycopg import sql

from tests.notify.local_servers import Inbox, free_port

ROOT = Path(__file__).resolve().parent.parent.parent
PG = {"host": os.getenv("CLUSTER_PG_HOST", "127.0.0.1"), "port": int(os.getenv("CLUSTER_PG_PORT", "5432"))}
PG_USER = os.getenv("CLUSTER_PG_USER", "postgres")
# A Redis database number of the cluster's own: it is flushed before and after the run.
REDIS_URL = os.getenv("CLUSTER_REDIS_URL", "redis://127.0.0.1:6379/7")
# The variables a developer's shell may hold that would point a process elsewhere.
FOREIGN = ("DB", "DB_NAME", "DB_TEST_NAME", "DB_HOST", "DB_PORT", "REDIS_URL", "MEDIA_ROOT", "EMAIL_BACKEND")


class ServiceMissing(RuntimeError):
    """A service the cluster needs does not answer; the message says which and how to start it."""


@dataclass
class Proc:
    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    popen: subprocess.Popen | None = None
    starts: int = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as out:
            out.write(f"\n--- start {self.starts} ---\n".encode())
            out.flush()
            self.popen = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def signal_group(self, sig: int) -> None:
        if self.popen is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def kill(self) -> None:
        """SIGKILL the process and everything it started (its session), and reap it."""
        self.signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=10)

    def stop(self, grace: float = 5.0) -> None:
        if self.popen is None:
            return
        self.signal_group(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=grace)
        # Whatever is left of the group (a worker's work horse, a gunicorn worker) goes now.
        self.signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Cluster:
    workdir: Path
    nodes: int = 2
    workers: int = 2
    web_concurrency: int = 2
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    procs: dict[str, Proc] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    inbox: Inbox = field(default_factory=Inbox)

    def __post_init__(self):
        self.db_name = f"phananh_cluster_{self.run_id}"
        self.bucket = f"phananh-cluster-{self.run_id}"
        self._smtp: Controller | None = None
        self._db_created = False
        self._redis: redis.Redis | None = None
        self.python = sys.executable

    # --- the shared services -------------------------------------------------------------------
    def check_services(self) -> None:
        """PostgreSQL and Redis must answer; the cluster fails, never skips, when they do not."""
        try:
            with psycopg.connect(dbname="postgres", user=PG_USER, connect_timeout=3, **PG) as conn:
                conn.execute("SELECT 1")
        except psycopg.Error as error:
            raise ServiceMissing(
                f"PostgreSQL is needed at {PG['host']}:{PG['port']} (user {PG_USER}, trust auth): {error}. "
                "Start it with `bash scripts/ensure-services.sh`."
            ) from error
        try:
            self._redis = redis.Redis.from_url(REDIS_URL, socket_timeout=3)
            self._redis.ping()
        except redis.RedisError as error:
            raise ServiceMissing(
                f"Redis is needed at {REDIS_URL}: {error}. Start it with `bash scripts/ensure-services.sh`."
            ) from error

    def create_database(self) -> None:
        with psycopg.connect(dbname="postgres", user=PG_USER, autocommit=True, **PG) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.db_name)))
        self._db_created = True
        # The db is the cluster's own; what an earlier run that died left there goes.
        self._redis.flushdb()

    def start_mail(self) -> None:
        self.ports["smtp"] = free_port()
        self._smtp = Controller(self.inbox, hostname="127.0.0.1", port=self.ports["smtp"])
        self._smtp.start()

    def start_object_store(self) -> None:
        self.ports["s3"] = free_port()
        port = self.ports["s3"]
        moto = self._spawn("moto", [self.python, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)])
        moto.start()
        self._wait(lambda: self._http_ok(port, "/moto-api/"), "moto (S3)", moto, 30)
        self.s3().create_bucket(Bucket=self.bucket)

    def s3(self):
        return boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{self.ports['s3']}",
            region_name="us-east-1",
            aws_access_key_id="cluster",
            aws_secret_access_key="cluster",
        )

    def bucket_keys(self) -> set[str]:
        keys: set[str] = set()
        for page in self.s3().get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            keys.update(item["Key"] for item in page.get("Contents", []))
        return keys

    def redis(self) -> redis.Redis:
        return self._redis

    # --- the project's processes ---------------------------------------------------------------
    def env(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if k not in FOREIGN}
        return {
            **base,
            "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}",
            "DJANGO_SETTINGS_MODULE": "phananh.settings",
            "DEBUG": "false",
            # The nodes are reached over plain HTTP on the loopback.
            "PHANANH_HTTPS": "false",
            "LOG_LEVEL": "WARNING",
            "SECRET_KEY": f"cluster-{self.run_id}-not-a-production-key-0123456789abcdef",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_ROOT": "http://127.0.0.1",
            "DB": "postgres",
            "DB_NAME": self.db_name,
            "DB_HOST": PG["host"],
            "DB_PORT": str(PG["port"]),
            "DB_USER": PG_USER,
            "REDIS_URL": REDIS_URL,
            "PHANANH_S3_BUCKET": self.bucket,
            "PHANANH_S3_ENDPOINT_URL": f"http://127.0.0.1:{self.ports['s3']}",
            "PHANANH_S3_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "cluster",
            "AWS_SECRET_ACCESS_KEY": "cluster",
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.ports["smtp"]),
            "EMAIL_TIMEOUT": "5",
            # A row a killed worker left 'sending' is taken again after this; above EMAIL_TIMEOUT.
            "PHANANH_DELIVERY_STALE_SECONDS": "15",
            "PHANANH_DELIVERY_FIRST_BACKOFF_SECONDS": "2",
            # Reminders go out once a fifth of a (shortened) reception step has gone.
            "PHANANH_REMINDER_SHARE": "0.2",
            "PHANANH_PERIODIC_SECONDS": "2",
        }

    def manage(self, *args: str, timeout: float = 180) -> str:
        """Run one management command to its end; its output, or a failure that shows it."""
        try:
            done = subprocess.run(
                [self.python, "manage.py", *args],
                cwd=ROOT,
                env=self.env(),
                capture_output=True,
                text=True,
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as error:
            raise AssertionError(f"manage.py {' '.join(args)} took more than {timeout} s") from error
        if done.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def python_module(self, module: str, *args: str, timeout: float = 60) -> str:
        done = subprocess.run(
            [self.python, "-m", module, *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise AssertionError(f"{module} {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def _spawn(self, name: str, argv: list[str]) -> Proc:
        proc = Proc(name=name, argv=argv, env=self.env(), log=self.workdir / f"{name}.log")
        self.procs[name] = proc
        return proc

    def start_node(self, index: int) -> None:
        name = f"node{index}"
        if name not in self.procs:
            self.ports[name] = free_port()
            conf = "deploy/gunicorn.conf.py"
            proc = self._spawn(name, [self.python, "-m", "gunicorn", "-c", conf, "phananh.wsgi:application"])
            proc.env |= {
                "PHANANH_BIND": f"127.0.0.1:{self.ports[name]}",
                "WEB_CONCURRENCY": str(self.web_concurrency),
            }
        self.procs[name].start()

    def start_worker(self, index: int) -> None:
        name = f"worker{index}"
        if name not in self.procs:
            self._spawn(
                name,
                [
                    self.python,
                    "manage.py",
                    "rqworker",
                    "--job-class",
                    "django_tasks_rq.Job",
                    "--name",
                    f"cluster-{self.run_id}-{index}",
                    "default",
                ],
            )
        else:
            # RQ refuses a second worker of the same name while the dead one's key lives on.
            self.procs[name].argv[self.procs[name].argv.index("--name") + 1] = (
                f"cluster-{self.run_id}-{index}-{self.procs[name].starts + 1}"
            )
        self.procs[name].start()

    def start_periodic(self) -> None:
        self._spawn("periodic", [self.python, "manage.py", "run_periodic", "--interval", "2"])
        self.procs["periodic"].start()

    def node_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[f'node{index}']}"

    def wait_node(self, index: int, timeout: float = 60) -> None:
        port, name = self.ports[f"node{index}"], f"node{index}"
        self._wait(lambda: self._http_ok(port, "/api/v1/categories"), name, self.procs[name], timeout)

    def start_all(self) -> None:
        for index in range(self.nodes):
            self.start_node(index)
        for index in range(self.workers):
            self.start_worker(index)
        self.start_periodic()
        for index in range(self.nodes):
            self.wait_node(index)

    # --- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _http_ok(port: int, path: str) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:
                return answer.status < 500
        except urllib.error.HTTPError as error:
            return error.code < 500
        except OSError:
            return False

    @staticmethod
    def _wait(ready, what: str, proc: Proc, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            if not proc.alive():
                raise ServiceMissing(f"{what} exited while starting:\n{proc.tail()}")
            time.sleep(0.2)
        raise ServiceMissing(f"{what} did not answer within {timeout:.0f} s:\n{proc.tail()}")

    def close(self) -> None:
        """Stop everything this run started and remove what it left; safe to call at any point."""
        for name, proc in list(self.procs.items()):
            if name != "moto":
                proc.stop()
        if "moto" in self.procs:
            self.procs["moto"].stop()
        if self._smtp is not None:
            with contextlib.suppress(Exception):
                self._smtp.stop()
        if self._redis is not None:
            with contextlib.suppress(redis.RedisError):
                self._redis.flushdb()
            self._redis.close()
        if self._db_created:
            with psycopg.connect(dbname="postgres", user=PG_USER, autocommit=True, **PG) as conn:
                drop = sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                conn.execute(drop.format(sql.Identifier(self.db_name)))
