"""A password hasher that counts every check in a file: how many passwords a server really checked."""

import os
import time

from django.contrib.auth.hashers import MD5PasswordHasher

# What a real hash costs, at least: the time in which racing requests would slip past a limit
# that is read before the check and written after it.
CHECK_SECONDS = 0.05


class CountingMD5PasswordHasher(MD5PasswordHasher):
    def verify(self, password, encoded):
        # One byte appended per check; appends of one write() do not interleave.
        fd = os.open(os.environ["PHANANH_TEST_PASSWORD_CHECKS"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        try:
            os.write(fd, b"x")
        finally:
            os.close(fd)
        time.sleep(CHECK_SECONDS)
        return super().verify(password, encoded)
