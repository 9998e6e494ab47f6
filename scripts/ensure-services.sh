#!/usr/bin/env bash
# Make sure PostgreSQL and Redis answer before the suite runs; start them when this machine
# can, fail with a clear message when it cannot. The suite never skips a database silently.
set -u

pg_up() { python3 - <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1)
sys.exit(0 if s.connect_ex(("127.0.0.1", 5432)) == 0 else 1)
PY
}
redis_up() { python3 - <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(1)
try:
    s.connect(("127.0.0.1", 6379)); s.sendall(b"PING\r\n"); sys.exit(0 if s.recv(16).startswith(b"+PONG") else 1)
except OSError:
    sys.exit(1)
PY
}

if ! pg_up; then
  echo "PostgreSQL is not answering on 127.0.0.1:5432; trying to start it."
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  fi
  for _ in $(seq 1 20); do pg_up && break; sleep 0.5; done
  pg_up || { echo "ERROR: PostgreSQL is needed on 127.0.0.1:5432 (database 'test', trust auth)."; exit 1; }
fi

if ! redis_up; then
  echo "Redis is not answering on 127.0.0.1:6379; trying to start it."
  if command -v redis-server >/dev/null; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
  fi
  for _ in $(seq 1 20); do redis_up && break; sleep 0.5; done
  redis_up || { echo "ERROR: Redis is needed on 127.0.0.1:6379."; exit 1; }
fi
echo "PostgreSQL and Redis are up."
