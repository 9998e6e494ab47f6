"""PhanAnh's settings for the sign-in race test's gunicorn: each password check is counted.

Everything else is the production settings read from the environment (REDIS_URL: the cache is
Redis, shared by the workers); the cache's keys get this test's own prefix.
"""

import os

from phananh.settings import *  # noqa: F403
from phananh.settings import CACHES

PASSWORD_HASHERS = ["tests.deploy.counting_hasher.CountingMD5PasswordHasher"]
CACHES["default"]["KEY_PREFIX"] = os.environ["PHANANH_TEST_CACHE_PREFIX"]
