#!/usr/bin/env bash
# Run the suite against PostgreSQL and Redis with a real Celery worker.
# The worker talks to the database pytest-django creates (test_<name>).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?}" "${CELERY_BROKER_URL:?}"
worker_db="${DATABASE_URL%/*}/test_${DATABASE_URL##*/}"
mkdir -p var
# The worker and the tests must agree on where rendered files live.
export MEDIA_ROOT="$PWD/var/test-media"
DATABASE_URL="$worker_db" .venv/bin/celery -A tiku_portal worker --concurrency 2 --pool prefork \
  --loglevel WARNING --pidfile var/test-worker.pid --logfile var/test-worker.log &
worker=$!
trap 'kill -TERM $worker 2>/dev/null; wait $worker 2>/dev/null || true' EXIT
.venv/bin/python -m pytest "$@"
