"""PhanAnh settings: one file, read from the environment through small typed helpers.

SQLite is the default and needs no server; `DB=postgres` switches to PostgreSQL.
"""

import os
from datetime import time
from pathlib import Path

from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def envbool(name: str, default: str) -> bool:
    return os.getenv(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    return int(os.getenv(name) or default)


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.getenv(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "false")
# Signs sessions and links; the same on every node. Without SECRET_KEY, this development key:
# its prefix makes `manage.py check --deploy` warn, and a production web server (PHANANH_HTTPS
# on, below) refuses to start with it or any other weak key (phananh/wsgi.py).
SECRET_KEY = os.getenv("SECRET_KEY") or "django-insecure-phananh-local-development-key-not-for-production"
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
SITE_ROOT = os.getenv("SITE_ROOT", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    # django.contrib.admin, its login sent to the staff login page (second factor included)
    "phananh.org.admin_apps.StaffAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Two-step verification: authenticator apps (TOTP) and recovery codes (static tokens).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_tasks",
    "csp",
    "django_tasks_db",
    "ninja",  # serves the API docs' Swagger UI itself instead of loading it from a CDN
    "phananh.core",
    "phananh.org",
    "phananh.reports",
    "phananh.workflow",
    "phananh.portal",
    "phananh.notify",
    "phananh.calls",
    "phananh.backoffice",
    "phananh.citizens",
    "phananh.stats",
    "phananh.privacy",
    "phananh.triage",
    "phananh.open311",
    "phananh.channels",
    "phananh.demo",
]

MIDDLEWARE = [
    "phananh.core.middleware.UntrustedProxyHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the middleware that may answer by themselves (413, the language's and the slash's
    # redirects), so that every answer but a static file's carries the policy.
    "phananh.core.csp.ContentSecurityPolicyMiddleware",
    "phananh.core.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "phananh.core.middleware.VietnameseFirstMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "phananh.org.sessions.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "phananh.urls"
WSGI_APPLICATION = "phananh.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "phananh.core.context_processors.deployment",
                "csp.context_processors.nonce",
            ],
        },
    },
]

if os.getenv("DB", "sqlite") == "postgres":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.getenv("DB_NAME", "phananh"),
            "USER": os.getenv("DB_USER", "postgres"),
            "PASSWORD": os.getenv("DB_PASSWORD", ""),
            "HOST": os.getenv("DB_HOST", "127.0.0.1"),
            "PORT": os.getenv("DB_PORT", "5432"),
            # Persistent connections: each web or worker process keeps its connection for this
            # many seconds instead of opening one per request; the health check replaces one
            # that PostgreSQL or a pooler closed meanwhile, before the request uses it.
            "CONN_MAX_AGE": envint("DB_CONN_MAX_AGE", 60),
            "CONN_HEALTH_CHECKS": envbool("DB_CONN_HEALTH_CHECKS", "true"),
            "TEST": {"NAME": os.getenv("DB_TEST_NAME") or None},
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.getenv("DB_NAME", str(BASE_DIR / "var" / "phananh.sqlite3")),
            # WAL lets the web server read while the task worker writes; IMMEDIATE
            # takes the write lock at BEGIN so that two writers queue instead of failing.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not memory: the concurrency tests need writers that wait for each other.
            "TEST": {"NAME": os.getenv("DB_TEST_NAME") or str(BASE_DIR / "var" / "test.sqlite3")},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.User"
# Staff sign in on the back office's own page; the admin keeps its own login.
LOGIN_URL = "backoffice:login"
LOGIN_REDIRECT_URL = "backoffice:home"

# Django's model backend, with every password check counted in the sign-in limits.
AUTHENTICATION_BACKENDS = ["phananh.org.backends.ThrottledModelBackend"]

# --- Sign-in limits, two-step verification, sessions --------------------------------------
# Failed checks (passwords and second-factor codes) allowed per account from any address, and
# per client address for any accounts, within the window; then every attempt is refused,
# before any check, until the window ends. Counted in Django's cache: with several web
# processes it must be shared (REDIS_URL), or each process counts on its own.
PHANANH_SIGNIN_MAX_FAILURES_PER_ACCOUNT = envint("PHANANH_SIGNIN_MAX_FAILURES_PER_ACCOUNT", 10)
PHANANH_SIGNIN_MAX_FAILURES_PER_ADDRESS = envint("PHANANH_SIGNIN_MAX_FAILURES_PER_ADDRESS", 30)
PHANANH_SIGNIN_WINDOW_MINUTES = envint("PHANANH_SIGNIN_WINDOW_MINUTES", 15)
# Roles that must sign in with a second factor (the IOC's, and administrators); accounts that
# open the admin site always must. Others may turn it on for themselves.
PHANANH_REQUIRE_2FA_ROLES = envlist("PHANANH_REQUIRE_2FA_ROLES", "operator,call_agent,admin")
# django-otp: the sign-in limits above count the codes; its own growing delays per device would
# refuse a right code after a typo without saying why.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# A session lasts at most this many seconds from its sign-in (a working day), and ends sooner
# after PHANANH_SESSION_IDLE_MINUTES without a request from the person.
SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 10 * 3600)
PHANANH_SESSION_IDLE_MINUTES = envint("PHANANH_SESSION_IDLE_MINUTES", 30)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "src" / "phananh" / "locale"]
TIME_ZONE = os.getenv("TIME_ZONE", "Asia/Ho_Chi_Minh")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where `collectstatic` puts the files that WhiteNoise and nginx serve on a production node.
STATIC_ROOT = Path(os.getenv("STATIC_ROOT") or BASE_DIR / "var" / "static")
# Leaflet, htmx and Chart.js come from the npm registry at install time (`npm ci`), never from a CDN.
STATICFILES_DIRS = [
    ("vendor/leaflet", BASE_DIR / "node_modules" / "leaflet" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/chartjs", BASE_DIR / "node_modules" / "chart.js" / "dist"),
    ("vendor/photoswipe", BASE_DIR / "node_modules" / "photoswipe" / "dist"),
]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# On a production node (deploy/phananh.env) static files are collected under names that carry a
# hash of their contents, with gzip and Brotli copies beside them, and served from STATIC_ROOT
# only: a name never changes meaning, so browsers keep each file for ever (immutable) and a
# deployment changes the names, never the files. Pages name files through {% static %}, which
# reads collectstatic's manifest. Without it (`make run`, the test suite) files keep their own
# names and come from the apps' folders, so an edited file shows at once without collectstatic.
PHANANH_HASHED_STATIC = envbool("PHANANH_HASHED_STATIC", "false")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PHANANH_HASHED_STATIC
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
# Serving from the finders too would put the uncompressed originals in place of the collected
# files (WhiteNoise reads the finders last), so the hashed set is served from STATIC_ROOT alone.
WHITENOISE_USE_FINDERS = not PHANANH_HASHED_STATIC
# Only the hashed names are kept, so a page that still named a file by its plain name would fail
# at once instead of being served a copy that browsers keep for ever. Source maps (read only by
# developer tools) are not compressed: they are most of the bytes and compressing them in Brotli
# would make collectstatic minutes long.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# --- Files on several nodes ----------------------------------------------------------------
# With PHANANH_S3_BUCKET, photos, thumbnails and documents live in S3-compatible object storage
# (AWS, or the province's own store at PHANANH_S3_ENDPOINT_URL), shared by every node. The
# bucket stays private: a file is reached only through a signed URL that the app hands out
# after its access check, valid PHANANH_S3_URL_SECONDS. Credentials: AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY, or whatever else boto3 finds (an instance role).
PHANANH_S3_BUCKET = os.getenv("PHANANH_S3_BUCKET", "").strip()
PHANANH_S3_ENDPOINT_URL = os.getenv("PHANANH_S3_ENDPOINT_URL", "").strip() or None
PHANANH_S3_REGION = os.getenv("PHANANH_S3_REGION", "").strip() or "us-east-1"
PHANANH_S3_URL_SECONDS = envint("PHANANH_S3_URL_SECONDS", 300)


def s3_storage(bucket: str, *, endpoint_url, region: str, url_seconds: int, access_key=None, secret_key=None):
    """The default storage on a private S3-compatible bucket (django-storages)."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "region_name": region,
            "access_key": access_key,
            "secret_key": secret_key,
            # No ACL: objects inherit the bucket's (private); never "public-read".
            "default_acl": None,
            "querystring_auth": True,
            "querystring_expire": url_seconds,
            "signature_version": "s3v4",
            # A province's own store (MinIO, Ceph) rarely has a wildcard DNS name per bucket.
            "addressing_style": os.getenv("PHANANH_S3_ADDRESSING_STYLE")
            or ("path" if endpoint_url else None),
            # Names are random (uuid4) and never reused: skipping the existence check saves a
            # round trip per file.
            "file_overwrite": True,
        },
    }


if PHANANH_S3_BUCKET:
    STORAGES["default"] = s3_storage(
        PHANANH_S3_BUCKET,
        endpoint_url=PHANANH_S3_ENDPOINT_URL,
        region=PHANANH_S3_REGION,
        url_seconds=PHANANH_S3_URL_SECONDS,
        access_key=os.getenv("AWS_ACCESS_KEY_ID") or None,
        secret_key=os.getenv("AWS_SECRET_ACCESS_KEY") or None,
    )

# Without object storage, behind nginx: the app answers a file it has allowed with an empty
# response naming it under this internal location (X-Accel-Redirect), and nginx sends the
# bytes itself (see deploy/nginx/phananh.conf). Empty: the app sends the file.
PHANANH_X_ACCEL_PREFIX = os.getenv("PHANANH_X_ACCEL_PREFIX", "").strip()

# --- Background work -----------------------------------------------------------------------
# The Django Tasks API. By default its database backend: no broker, one `manage.py db_worker`
# beside the web server. With several machines, name a Redis server in REDIS_URL (e.g.
# redis://127.0.0.1:6379/0) and tasks go through RQ instead, run by
# `manage.py rqworker --job-class django_tasks_rq.Job default`.
REDIS_URL = os.getenv("REDIS_URL", "").strip()
# Django's cache holds what every node must agree on (failed sign-ins, the follow requests'
# rate limits): in Redis as soon as there is one, else in each process's memory (one machine).
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # RQ's keys start with "rq:"; ours with this prefix, so the two never meet.
            "KEY_PREFIX": "phananh",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if REDIS_URL:
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": envint("RQ_DEFAULT_TIMEOUT", 600)}}
    # Every queue gives its jobs retries, so that RQ runs again a job whose worker died.
    RQ = {"QUEUE_CLASS": "phananh.core.rq_queue.RetryingQueue"}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# What the transition service hands each event it writes to, after the commit: tasks whose
# `enqueue(event_id)` is called, for every event, or after a colon only for the events of those
# kinds (no task row is written for the others). The workflow imports none of the apps that
# listen to it.
PHANANH_EVENT_TASKS = [
    "phananh.notify.tasks.notify_event",
    "phananh.stats.tasks.refresh_figures",
    # Regulation reports accepted, results verified: queued for the national petition system.
    "phananh.channels.tasks.queue_for_partners:accepted,verified",
    # A new report's suggestions, again when the reporter adds information.
    "phananh.triage.tasks.suggest_after_event:submitted,info_provided",
]
# What erasing a reporter's personal data also calls, with `report_ids=[...]` and
# `zalo_user_ids=[...]` (the apps above privacy that keep personal data of their own): each takes
# what it needs.
PHANANH_ERASURE_HOOKS = [
    "phananh.channels.zalo.forget_users",
    "phananh.channels.partners.outbox.forget_sent",
]
# What `manage.py run_periodic` enqueues every PHANANH_PERIODIC_SECONDS (each safe to run twice).
PHANANH_PERIODIC_TASKS = [
    "phananh.notify.tasks.sweep_deadlines",
    "phananh.notify.delivery_tasks.deliver_due",
    "phananh.notify.tasks.close_unrated",
    "phananh.stats.tasks.catch_up_figures",
    "phananh.stats.tasks.rebuild_months",
    "phananh.stats.tasks.delete_old_exports",
    "phananh.workflow.tasks.prune_idempotency_records",
    "phananh.privacy.tasks.anonymise_old_reports",
    # Relearns the risk of running late from the finished steps, at most once an hour.
    "phananh.triage.late_risk_tasks.relearn_late_risk",
    # The national petition system: send what is due, then read its updates.
    "phananh.channels.tasks.sync_partners",
    "phananh.triage.tasks.train_nightly",
    # The database backend's tasks a dead worker left RUNNING (under RQ it finds none: RQ's own
    # registries do this there, see RQ below).
    "phananh.core.tasks.recover_stale_tasks",
]
# django-tasks has no scheduler: `manage.py run_periodic` enqueues the periodic tasks (the
# deadline sweeper) every this many seconds.
PHANANH_PERIODIC_SECONDS = envint("PHANANH_PERIODIC_SECONDS", 60)
# A task of the database backend RUNNING for longer than this is taken to be a dead worker's and
# run again: above the slowest task (the statistics' catch-up after a large import takes minutes).
PHANANH_TASK_STALE_SECONDS = envint("PHANANH_TASK_STALE_SECONDS", 15 * 60)
# How many times a task is started, on either backend, when its worker keeps dying under it;
# then it is marked failed (a log line at ERROR; RQ's failed registry under RQ).
PHANANH_TASK_MAX_ATTEMPTS = envint("PHANANH_TASK_MAX_ATTEMPTS", 3)
# A step's staff are reminded once this share of its time has gone (0.75: with a quarter left).
PHANANH_REMINDER_SHARE = float(os.getenv("PHANANH_REMINDER_SHARE") or 0.75)
# A resolved report whose result was sent to the reporter closes by itself after this many days
# (calendar days) without a rating; the reporter may still rate it afterwards.
PHANANH_AUTO_CLOSE_DAYS = envint("PHANANH_AUTO_CLOSE_DAYS", 7)
# Thời hạn lưu trữ: the reporter's personal data is erased this many months after their report
# was closed, rejected or merged (0: kept for ever). By a periodic task, in batches of
# PHANANH_RETENTION_BATCH reports, for at most PHANANH_RETENTION_RUN_SECONDS a round.
PHANANH_RETENTION_MONTHS = envint("PHANANH_RETENTION_MONTHS", 24)
PHANANH_RETENTION_BATCH = envint("PHANANH_RETENTION_BATCH", 500)
PHANANH_RETENTION_RUN_SECONDS = envint("PHANANH_RETENTION_RUN_SECONDS", 120)

# A dashboard's report list longer than this many rows is written by a task, not while the person
# waits (a web worker may not take minutes), and downloaded from the exports page when ready.
PHANANH_EXPORT_INLINE_ROWS = envint("PHANANH_EXPORT_INLINE_ROWS", 20000)
# Exported files are deleted after this many days.
PHANANH_EXPORT_KEEP_DAYS = envint("PHANANH_EXPORT_KEEP_DAYS", 7)

SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- Behind a reverse proxy (nginx) --------------------------------------------------------
# The addresses (or networks, "10.0.0.0/24") of the proxies in front of the app. Only a request
# arriving from one of them is believed about the client's address (X-Forwarded-For, read by
# `core.net.client_address` for the rate limits) and about HTTPS (X-Forwarded-Proto). Empty
# (the default, `make run`): nobody is believed, and a client cannot forge its address.
PHANANH_TRUSTED_PROXIES = envlist("PHANANH_TRUSTED_PROXIES", "")
if PHANANH_TRUSTED_PROXIES:
    # nginx sets this header itself on every request (it never passes the client's own); from
    # any other sender it is dropped (core.middleware.UntrustedProxyHeadersMiddleware).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# nginx passes the Host the client asked for, so the forwarded host is not needed by default.
USE_X_FORWARDED_HOST = envbool("USE_X_FORWARDED_HOST", "false")

# --- HTTPS ---------------------------------------------------------------------------------
# A production node is reached over HTTPS only, on its own or through a proxy that ends TLS
# (nginx, a load balancer: named in PHANANH_TRUSTED_PROXIES, which then tells the app that the
# request came over HTTPS). So unless DEBUG is on, everything that keeps the connection private
# is on by default: plain HTTP is redirected to HTTPS, cookies travel over HTTPS only, and
# browsers are told (HSTS) to use nothing else for a year. PHANANH_HTTPS=false turns it all
# off, for a node reached over plain HTTP on the loopback only: `make run`, `make serve`, the
# test suite (pyproject.toml) and the benchmarks; never on a node the public can reach.
PHANANH_HTTPS = envbool("PHANANH_HTTPS", "false" if DEBUG else "true")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", str(PHANANH_HTTPS))
# The load balancer's or the monitor's health check asks the node's own port, in plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = envbool("PHANANH_SECURE_COOKIES", str(PHANANH_HTTPS))
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if PHANANH_HTTPS else 0)
# includeSubDomains: only names under the portal's own (phananh.langson.gov.vn) are concerned,
# and none may serve plain HTTP. preload: browsers' preload list takes only a registrable domain
# (langson.gov.vn), whose owner alone can submit it, so on the portal's sub-domain it only says
# that the portal agrees; on a domain of its own, turn it off unless the domain is to be listed
# (docs/decisions.md, "Production settings").
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "true")
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "true")

# --- Intake limits -------------------------------------------------------------------------
# A phone photo is a few MB; these leave room for HEIC and large PNG screenshots while
# keeping one request bounded.
PHANANH_MAX_PHOTOS = envint("PHANANH_MAX_PHOTOS", 10)
PHANANH_MAX_DOCUMENTS = envint("PHANANH_MAX_DOCUMENTS", 5)
PHANANH_MAX_PHOTO_BYTES = envint("PHANANH_MAX_PHOTO_BYTES", 15 * 1024 * 1024)
PHANANH_MAX_DOCUMENT_BYTES = envint("PHANANH_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024)
PHANANH_MAX_PHOTO_PIXELS = envint("PHANANH_MAX_PHOTO_PIXELS", 50_000_000)
# The memory one photo may take while it is decoded, worked out from its header before any
# pixel is (`reports/decoding.py`): it sets how many pixels a PNG, WebP or HEIC may have, which
# cannot be decoded at a reduced size as a JPEG can. A web worker decodes one photo at a time.
PHANANH_PHOTO_DECODE_MB = envint("PHANANH_PHOTO_DECODE_MB", 192)
PHANANH_MAX_REQUEST_BYTES = envint("PHANANH_MAX_REQUEST_BYTES", 160 * 1024 * 1024)
# The stored copy's longest side: 2,000 px (3 MP at 4:3) is half a 12 MP phone photo's 4,000,
# so that the JPEG decoder halves it itself, at a third of the work of a full decode.
PHANANH_STORED_PHOTO_MAX_SIDE = envint("PHANANH_STORED_PHOTO_MAX_SIDE", 2000)
PHANANH_THUMBNAIL_SIDE = envint("PHANANH_THUMBNAIL_SIDE", 400)
PHANANH_MAX_DESCRIPTION_CHARS = envint("PHANANH_MAX_DESCRIPTION_CHARS", 5000)
PHANANH_IDEMPOTENCY_TTL_HOURS = envint("PHANANH_IDEMPOTENCY_TTL_HOURS", 48)
# Open311 GeoReport v2 (`open311`): the jurisdiction_id this server answers to (empty: any is
# accepted, as for a server of one jurisdiction), and how many reports and updates one API key
# may post a minute.
PHANANH_OPEN311_JURISDICTION = os.environ.get("PHANANH_OPEN311_JURISDICTION", "")
PHANANH_OPEN311_POSTS_PER_MINUTE = envint("PHANANH_OPEN311_POSTS_PER_MINUTE", 60)
# Open reports of the same field closer than this to a new report's place are shown to the
# reporter as possible duplicates, before sending.
PHANANH_NEARBY_RADIUS_M = envint("PHANANH_NEARBY_RADIUS_M", 250)
# Likely duplicates shown to the IOC at reception (`triage.duplicates`): reports within this
# radius that are open or were resolved within this many days, ranked by text, place and time.
PHANANH_DUPLICATE_RADIUS_M = envint("PHANANH_DUPLICATE_RADIUS_M", 500)
PHANANH_DUPLICATE_DAYS = envint("PHANANH_DUPLICATE_DAYS", 30)
# A step whose risk of missing its deadline (`triage.late_risk`, 0 to 1) is at least this is
# listed under "At risk of running late" before it is overdue.
PHANANH_LATE_RISK_THRESHOLD = float(os.getenv("PHANANH_LATE_RISK_THRESHOLD") or 0.6)
# Django's own cap on the number of uploaded files: above ours so that our clearer error wins.
DATA_UPLOAD_MAX_NUMBER_FILES = 100
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# The province this deployment serves (code of `vietnam-provinces`, 20 = Lạng Sơn).
PHANANH_PROVINCE_CODE = envint("PHANANH_PROVINCE_CODE", 20)
PHANANH_MAP_CENTER = (
    float(os.getenv("PHANANH_MAP_LAT", "21.8537")),
    float(os.getenv("PHANANH_MAP_LON", "106.7615")),
)
PHANANH_HOTLINE = os.getenv("PHANANH_HOTLINE", "1022")
# Shown in every page's header and footer (the portal is the province's own).
PHANANH_PROVINCE_NAME = os.getenv("PHANANH_PROVINCE_NAME", "Lạng Sơn")
# The name an authenticator app shows beside the account.
OTP_TOTP_ISSUER = os.getenv("PHANANH_OTP_ISSUER") or f"PhanAnh {PHANANH_PROVINCE_NAME}"


def envnumbers(name: str, default: tuple) -> tuple:
    """Phone numbers with what they are for: "113=Công an,114=Cứu hỏa" (the labels as written)."""
    raw = os.getenv(name, "").strip()
    if not raw:
        return default
    pairs = (item.partition("=") for item in raw.split(",") if item.strip())
    return tuple((number.strip(), label.strip()) for number, _sep, label in pairs)


# The national emergency numbers, shown near the top of the home page and on every page's
# footer: an urgent matter is a call, not a report.
PHANANH_EMERGENCY_NUMBERS = envnumbers(
    "PHANANH_EMERGENCY_NUMBERS",
    (("113", _("Police")), ("114", _("Fire and rescue")), ("115", _("Ambulance"))),
)
# How far from a commune's centre a place may be for the intake page to suggest that commune,
# when the communes' areas are not loaded (a commune of the mountains spans about 20 km).
PHANANH_COMMUNE_CENTRE_MAX_M = envint("PHANANH_COMMUNE_CENTRE_MAX_M", 12_000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Map tiles are data, not code: point this at the province's own tile server on a closed
# network. The default is OpenStreetMap's public tiles.
PHANANH_TILE_URL = os.getenv("PHANANH_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")


# --- Call centre: the switchboard's hook ---------------------------------------------------
# The key the switchboard (Asterisk, FreeSWITCH...) signs its events with; empty: hook off (403).
PHANANH_PBX_SECRET = os.getenv("PHANANH_PBX_SECRET", "")
# An event signed longer ago than this (or this far in the future) is refused as a replay.
PHANANH_PBX_REPLAY_SECONDS = envint("PHANANH_PBX_REPLAY_SECONDS", 300)
# How often the agent's page asks whether a phone rings.
PHANANH_CALLS_POLL_SECONDS = envint("PHANANH_CALLS_POLL_SECONDS", 3)

# --- Content-Security-Policy (django-csp) ----------------------------------------------------
# Every page tells the browser to run only the site's own script files and apply only its own
# style sheets: no inline script, style="" attribute, on*= handler or <style> block, unless it
# carries the request's nonce ({{ CSP_NONCE }}), and nothing evaluated from text. A script that
# got into a page (a report's text that escaped escaping) then does nothing. The servers that
# the settings name (PHANANH_TILE_URL, the file store) are added to each answer's policy by
# core.csp.ContentSecurityPolicyMiddleware.
# Other servers images may come from (a second tile server, say), separated by commas.
PHANANH_CSP_IMG_SRC = envlist("PHANANH_CSP_IMG_SRC", "")
# Where browsers report each violation: /csp-report/ writes them to the log; empty: no reports.
PHANANH_CSP_REPORT_URI = os.getenv("PHANANH_CSP_REPORT_URI", "").strip()
# true: the policy is only reported (Content-Security-Policy-Report-Only), never enforced: to try
# a change of the pages or of the policy on the live site first.
PHANANH_CSP_REPORT_ONLY = envbool("PHANANH_CSP_REPORT_ONLY", "false")
_policy = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        # data: Leaflet's and Swagger UI's small images; blob: the photos' previews on the intake
        # form.
        "img-src": [SELF, "data:", "blob:", *PHANANH_CSP_IMG_SRC],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"report-uri": [PHANANH_CSP_REPORT_URI]} if PHANANH_CSP_REPORT_URI else {}),
    }
}
CONTENT_SECURITY_POLICY = None if PHANANH_CSP_REPORT_ONLY else _policy
CONTENT_SECURITY_POLICY_REPORT_ONLY = _policy if PHANANH_CSP_REPORT_ONLY else None

# Working hours of the deployment's calendar (deadlines are counted in working time).
PHANANH_WORKING_PERIODS = tuple(
    tuple(time.fromisoformat(bound) for bound in period.split("-"))
    for period in envlist("PHANANH_WORKING_PERIODS", "07:30-11:30,13:30-17:00")
)
# Words that make a report "possibly urgent" at intake, alerting the IOC on duty at once.
PHANANH_URGENT_WORDS = envlist(
    "PHANANH_URGENT_WORDS",
    "cháy,hỏa hoạn,hoả hoạn,nổ,tai nạn,đâm xe,trộm,cướp,đánh nhau,ẩu đả,gây rối,đuối nước,sập,điện giật",
)

# Suggestions at reception (triage): the model is trained again each night from this hour (local
# time, 0-23), on one node, and on demand (POST /api/v1/admin/triage/train).
PHANANH_TRIAGE_TRAIN_HOUR = envint("PHANANH_TRIAGE_TRAIN_HOUR", 2)
# Until the IOC has made this many decisions, the fields' and units' names, the routing rules and
# the built-in words weigh in training; their weight falls as decisions accumulate.
PHANANH_TRIAGE_COLD_START_DECISIONS = envint("PHANANH_TRIAGE_COLD_START_DECISIONS", 200)
# How long one node holds the training lock (the cache's key), in seconds: above the slowest training.
PHANANH_TRIAGE_TRAIN_LOCK_SECONDS = envint("PHANANH_TRIAGE_TRAIN_LOCK_SECONDS", 3600)
# What fills the staff API's report detail with `suggestions` (the workflow does not import triage).
PHANANH_REPORT_SUGGESTIONS = "phananh.triage.selectors.report_suggestions"

# Mail: Django's own names, from the environment (EMAIL_HOST, EMAIL_PORT, ...).
# With a mail server named in EMAIL_HOST, mail goes out by SMTP; without one (`make run` on a
# laptop) it is printed on the console. EMAIL_BACKEND, when set, overrides both.
EMAIL_HOST = os.getenv("EMAIL_HOST", "").strip()
EMAIL_BACKEND = os.getenv("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.getenv("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "false")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "PhanAnh <no-reply@phananh.local>")

# Messages to reporters and followers: email (above), an SMS gateway, Zalo Official Account.
PHANANH_SMS_URL = os.getenv("PHANANH_SMS_URL", "")
PHANANH_SMS_TOKEN = os.getenv("PHANANH_SMS_TOKEN", "")
PHANANH_SMS_SENDER = os.getenv("PHANANH_SMS_SENDER", "PhanAnh")
# Citizens' accounts (optional): a one-time SMS code lives minutes and allows a few guesses; an
# email link lives a little longer; codes sent per number or email, and per client, each hour.
PHANANH_CITIZEN_CODE_MINUTES = envint("PHANANH_CITIZEN_CODE_MINUTES", 10)
PHANANH_CITIZEN_LINK_MINUTES = envint("PHANANH_CITIZEN_LINK_MINUTES", 30)
PHANANH_CITIZEN_CODE_GUESSES = envint("PHANANH_CITIZEN_CODE_GUESSES", 5)
PHANANH_CITIZEN_CODES_PER_RECIPIENT = envint("PHANANH_CITIZEN_CODES_PER_RECIPIENT", 3)
PHANANH_CITIZEN_CODES_PER_CLIENT = envint("PHANANH_CITIZEN_CODES_PER_CLIENT", 10)
# Sign-in through an OpenID Connect provider (the province's SSO, the national identity service):
# its discovery document (…/.well-known/openid-configuration), this site's client id and secret,
# and the name on the button. Empty: no such button.
PHANANH_OIDC_DISCOVERY_URL = os.getenv("PHANANH_OIDC_DISCOVERY_URL", "")
PHANANH_OIDC_CLIENT_ID = os.getenv("PHANANH_OIDC_CLIENT_ID", "")
PHANANH_OIDC_CLIENT_SECRET = os.getenv("PHANANH_OIDC_CLIENT_SECRET", "")
PHANANH_OIDC_SCOPES = os.getenv("PHANANH_OIDC_SCOPES", "openid profile email phone")
PHANANH_OIDC_NAME = os.getenv("PHANANH_OIDC_NAME", "VNeID")
PHANANH_ZALO_API_URL = os.getenv("PHANANH_ZALO_API_URL", "https://openapi.zalo.me/v3.0/oa/message/cs")
PHANANH_ZALO_ACCESS_TOKEN = os.getenv("PHANANH_ZALO_ACCESS_TOKEN", "")
# The OA's first refresh token (then kept in the database, renewed with each access token), its
# app id and the app's secret key (the `secret_key` header of the token renewal), and where tokens
# are renewed.
PHANANH_ZALO_REFRESH_TOKEN = os.getenv("PHANANH_ZALO_REFRESH_TOKEN", "")
PHANANH_ZALO_APP_ID = os.getenv("PHANANH_ZALO_APP_ID", "")
PHANANH_ZALO_APP_SECRET = os.getenv("PHANANH_ZALO_APP_SECRET", "")
PHANANH_ZALO_OAUTH_URL = os.getenv("PHANANH_ZALO_OAUTH_URL", "https://oauth.zaloapp.com/v4/oa/access_token")
# The OA's secret key that signs the webhook's events (X-ZEvent-Signature); empty: the webhook is off.
PHANANH_ZALO_OA_SECRET_KEY = os.getenv("PHANANH_ZALO_OA_SECRET_KEY", "")
# An event older (or further in the future) than this is refused as stale.
PHANANH_ZALO_EVENT_MAX_AGE_SECONDS = envint("PHANANH_ZALO_EVENT_MAX_AGE_SECONDS", 300)
# A draft report left this long is forgotten, and the user told so at their next message.
PHANANH_ZALO_DRAFT_HOURS = envint("PHANANH_ZALO_DRAFT_HOURS", 24)
# Events one user may send per minute; more are dropped, with one message saying to slow down.
PHANANH_ZALO_EVENTS_PER_MINUTE = envint("PHANANH_ZALO_EVENTS_PER_MINUTE", 30)
# The longest chat message read (Zalo itself allows 2,000 characters).
PHANANH_ZALO_MAX_TEXT_CHARS = envint("PHANANH_ZALO_MAX_TEXT_CHARS", 2000)
# Seconds to wait for the SMS gateway or Zalo before counting the attempt as failed.
PHANANH_DELIVERY_HTTP_TIMEOUT = envint("PHANANH_DELIVERY_HTTP_TIMEOUT", 10)
# Attempts before a message is given up (dead); the waits between them grow 1, 5, 25... minutes.
PHANANH_DELIVERY_MAX_ATTEMPTS = envint("PHANANH_DELIVERY_MAX_ATTEMPTS", 6)
PHANANH_DELIVERY_FIRST_BACKOFF_SECONDS = envint("PHANANH_DELIVERY_FIRST_BACKOFF_SECONDS", 60)
PHANANH_DELIVERY_MAX_BACKOFF_SECONDS = envint("PHANANH_DELIVERY_MAX_BACKOFF_SECONDS", 6 * 3600)
# The national petition system (hệ thống tiếp nhận phản ánh, kiến nghị quốc gia), spoken to in
# Open311 GeoReport v2 (docs/lien-thong.md): the base URL of its endpoint (".../open311/v2/");
# empty: the adapter is off and nothing is queued. Its API key, its jurisdiction_id (empty: not
# sent) and its service code for reports about administrative regulations.
PHANANH_PETITION_URL = os.getenv("PHANANH_PETITION_URL", "").strip()
PHANANH_PETITION_API_KEY = os.getenv("PHANANH_PETITION_API_KEY", "")
PHANANH_PETITION_JURISDICTION = os.getenv("PHANANH_PETITION_JURISDICTION", "")
PHANANH_PETITION_SERVICE_CODE = os.getenv("PHANANH_PETITION_SERVICE_CODE", "quy-dinh-hanh-chinh")
# Seconds to wait for its answer; attempts before a row is given up (dead), and the bounds of the
# waits between attempts (doubling from the first, with jitter, up to the last).
PHANANH_PETITION_TIMEOUT = envint("PHANANH_PETITION_TIMEOUT", 15)
PHANANH_PETITION_MAX_ATTEMPTS = envint("PHANANH_PETITION_MAX_ATTEMPTS", 10)
PHANANH_PETITION_FIRST_BACKOFF_SECONDS = envint("PHANANH_PETITION_FIRST_BACKOFF_SECONDS", 60)
PHANANH_PETITION_MAX_BACKOFF_SECONDS = envint("PHANANH_PETITION_MAX_BACKOFF_SECONDS", 6 * 3600)
# A row 'sending' for longer than this belongs to a worker that died: sent again, with the same
# Idempotency-Key. Keep it well above the timeout.
PHANANH_PETITION_STALE_SECONDS = envint("PHANANH_PETITION_STALE_SECONDS", 300)
# When the adapter is turned on, regulation reports accepted (results verified) up to this many
# days before are sent too; older ones are not.
PHANANH_PETITION_BACKFILL_DAYS = envint("PHANANH_PETITION_BACKFILL_DAYS", 30)
# A delivery 'sending' for longer than this was claimed by a worker that died: it is taken
# again. Keep it well above EMAIL_TIMEOUT and the HTTP timeout, or a slow send goes out twice.
PHANANH_DELIVERY_STALE_SECONDS = envint("PHANANH_DELIVERY_STALE_SECONDS", 300)
