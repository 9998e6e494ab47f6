import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "phananh.settings")
application = get_wsgi_application()


def _refuse_a_weak_secret_key() -> None:
    """A production web server does not start with the development key or another weak one.

    `manage.py check --deploy` only warns, when someone runs it; this stops gunicorn's workers
    from booting, with the reason in the journal. Django's own rule (50 characters and more,
    not the "django-insecure-" kind) decides.
    """
    from django.conf import settings
    from django.core.checks.security.base import check_secret_key

    if settings.PHANANH_HTTPS and check_secret_key(None):
        raise ImproperlyConfigured(
            "SECRET_KEY is missing or weak: set a long random one in the environment (see "
            "deploy/phananh.env), or PHANANH_HTTPS=false on a node reached over plain HTTP on "
            "the loopback only."
        )


_refuse_a_weak_secret_key()
