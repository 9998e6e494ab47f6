"""settings.py read from the environment, in a fresh interpreter each time, as a node starts.

- Mail: SMTP when EMAIL_HOST names a server, the console otherwise (`make run` on a laptop).
- REDIS_URL: Django's cache in Redis, beside the RQ task queue.
- PHANANH_S3_BUCKET: files in a private S3-compatible bucket with short-lived signed URLs.
- DB=postgres: persistent connections with a health check.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

SHOW = """
import json
from django.conf import settings
print(json.dumps({
    "email": settings.EMAIL_BACKEND.rsplit(".", 2)[-2],
    "cache": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1],
    "cache_location": settings.CACHES["default"].get("LOCATION", ""),
    "tasks": settings.TASKS["default"]["BACKEND"],
    "storage": settings.STORAGES["default"]["BACKEND"],
    "storage_options": settings.STORAGES["default"].get("OPTIONS", {}),
    "db": {k: settings.DATABASES["default"].get(k) for k in ("ENGINE", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS")},
    "proxy_ssl": settings.SECURE_PROXY_SSL_HEADER,
}, default=str))
"""
CLEARED = ("EMAIL_HOST", "EMAIL_BACKEND", "REDIS_URL", "PHANANH_S3_BUCKET", "PHANANH_S3_ENDPOINT_URL",
           "PHANANH_S3_REGION", "PHANANH_S3_URL_SECONDS", "PHANANH_TRUSTED_PROXIES", "DB",
           "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "DB_CONN_MAX_AGE")  # fmt: skip


def settings_with(**env) -> dict:
    base = {k: v for k, v in os.environ.items() if k not in CLEARED}
    shown = subprocess.run(
        [sys.executable, "-c", SHOW],
        env={
            **base,
            "PYTHONPATH": str(settings.BASE_DIR / "src"),
            "DJANGO_SETTINGS_MODULE": "phananh.settings",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shown.returncode == 0, shown.stderr
    return json.loads(shown.stdout)


def test_the_embedded_default_needs_no_server():
    shown = settings_with()
    assert shown["email"] == "console"
    assert shown["cache"] == "LocMemCache"
    assert shown["tasks"] == "django_tasks_db.DatabaseBackend"
    assert shown["storage"] == "django.core.files.storage.FileSystemStorage"
    assert shown["db"]["ENGINE"] == "django.db.backends.sqlite3"
    assert shown["proxy_ssl"] is None


def test_mail_goes_out_by_smtp_when_a_server_is_named():
    assert settings_with(EMAIL_HOST="mail.langson.gov.vn")["email"] == "smtp"
    # An explicit backend still wins
    chosen = settings_with(
        EMAIL_HOST="mail.langson.gov.vn", EMAIL_BACKEND="django.core.mail.backends.console.X"
    )
    assert chosen["email"] == "console"


def test_several_nodes_share_the_cache_the_tasks_and_the_files():
    shown = settings_with(
        REDIS_URL="redis://10.0.0.3:6379/0",
        PHANANH_S3_BUCKET="phananh-langson",
        PHANANH_S3_ENDPOINT_URL="https://s3.langson.gov.vn",
        AWS_ACCESS_KEY_ID="phananh",
        AWS_SECRET_ACCESS_KEY="khoa-bi-mat",
        PHANANH_TRUSTED_PROXIES="127.0.0.1",
    )
    assert (shown["cache"], shown["cache_location"]) == ("RedisCache", "redis://10.0.0.3:6379/0")
    assert shown["tasks"] == "django_tasks_rq.RQBackend"
    assert shown["storage"] == "storages.backends.s3.S3Storage"
    options = shown["storage_options"]
    assert options["bucket_name"] == "phananh-langson"
    assert options["endpoint_url"] == "https://s3.langson.gov.vn"
    assert options["region_name"] == "us-east-1"
    assert (options["access_key"], options["secret_key"]) == ("phananh", "khoa-bi-mat")
    assert options["default_acl"] is None and options["querystring_auth"] is True
    assert options["querystring_expire"] == 300
    assert options["addressing_style"] == "path"
    assert shown["proxy_ssl"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_postgresql_keeps_its_connections_and_checks_them():
    shown = settings_with(DB="postgres")
    assert shown["db"] == {
        "ENGINE": "django.db.backends.postgresql",
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
    }
    assert settings_with(DB="postgres", DB_CONN_MAX_AGE="0")["db"]["CONN_MAX_AGE"] == 0
