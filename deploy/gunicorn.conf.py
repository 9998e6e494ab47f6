"""gunicorn for PhanAnh, behind nginx: `gunicorn -c deploy/gunicorn.conf.py phananh.wsgi:application`.

Every number can be changed from the environment (deploy/phananh.env) without editing this file.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import sys
from pathlib import Path

from gunicorn.glogging import Logger

ROOT = Path(__file__).resolve().parent.parent
# The project lives in src/ (manage.py adds it the same way). Put on the path here rather than
# with gunicorn's `pythonpath`, which `--check-config` applies only after loading the app.
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))
chdir = str(ROOT)
wsgi_app = "phananh.wsgi:application"

bind = [address.strip() for address in os.getenv("PHANANH_BIND", "127.0.0.1:8000").split(",")]

# Synchronous workers: nginx buffers whole uploads and slow clients, so a worker is busy only
# while the app works. Photo cleaning is CPU work, so about two workers per core; more only
# helps while workers wait for PostgreSQL.
workers = int(os.getenv("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.getenv("PHANANH_WEB_THREADS") or 1)

# The slowest requests: a report with ten 15 MB photos (about 1.5 s each to clean) and the Excel
# export of a year's report list (tens of seconds at a million rows). Well above both, below
# nginx's proxy_read_timeout (see deploy/nginx/phananh.conf) so that gunicorn gives up first.
timeout = int(os.getenv("PHANANH_WEB_TIMEOUT") or 120)
# On restart (systemctl reload/restart), requests under way get this long to finish.
graceful_timeout = int(os.getenv("PHANANH_WEB_GRACEFUL_TIMEOUT") or 30)
keepalive = 5
# A worker is replaced after this many requests (jitter: not all at once), which bounds the
# memory that image decoding could leave fragmented in a long-lived process. Measured: a worker
# stays at about 122 MB after 400 phone photos; each replacement costs about 0.7 s of CPU to
# load Django again, so at 1,000 a storm's intake spent 15% of its CPU restarting workers.
max_requests = int(os.getenv("PHANANH_WEB_MAX_REQUESTS") or 10000)
max_requests_jitter = max(max_requests // 10, 1)

# Only these addresses may tell gunicorn the scheme (X-Forwarded-Proto): nginx. The same list as
# Django's PHANANH_TRUSTED_PROXIES, which decides the client's address for the rate limits.
forwarded_allow_ips = os.getenv("PHANANH_TRUSTED_PROXIES") or "127.0.0.1,::1"

# Logs go to standard output and error, which systemd's journal keeps (journalctl -u phananh-web).
accesslog = os.getenv("PHANANH_ACCESS_LOG", "-")
errorlog = os.getenv("PHANANH_ERROR_LOG", "-")
loglevel = os.getenv("PHANANH_WEB_LOG_LEVEL", "info")
# Method, path (never the query string: the reporter's link carries ?secret= and ?token=),
# status, size and time. No client address, referer or user agent: they are personal data, the
# referer may carry a secret link, and nginx's own log keeps the addresses for abuse checks.
access_log_format = '%(t)s %(p)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'

# Paths that carry a secret of their own: the follow confirmation and unsubscribe links.
_SECRET_PATHS = re.compile(r"^(/theo-doi/(?:xac-nhan|huy)/)[^/]+")


class PrivateAccessLogger(Logger):
    """gunicorn's logger, with the secret part of a path replaced before it is written."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = _SECRET_PATHS.sub(r"\1…", atoms.get("U") or "")
        # The request line and the query string are never in the format; blank them anyway so
        # that a format changed later cannot bring them back.
        atoms["r"] = atoms["q"] = "-"
        atoms["f"] = "-"
        return atoms


logger_class = PrivateAccessLogger

# Persistent database connections are opened by each worker after the fork (Django opens them
# lazily), so the app is not preloaded: `systemctl reload` then also loads new code.
preload_app = False
