#!/usr/bin/env bash
# Run the production commands of docker-compose.yml natively (DEBUG off, PostgreSQL, Redis):
# gunicorn + a Celery worker; check /healthz, a static file, and one PDF rendered by the worker.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_SERVER=${PG_SERVER:-postgres://postgres@127.0.0.1:5432}
PORT=${SMOKE_PORT:-8765}
psql_admin() { psql "$PG_SERVER/postgres" -v ON_ERROR_STOP=1 -qc "$1"; }

psql_admin "DROP DATABASE IF EXISTS tiku_smoke"
psql_admin "CREATE DATABASE tiku_smoke"

export DEBUG=false
export SECRET_KEY="smoke-$(python3 -c 'import secrets; print(secrets.token_urlsafe(40))')"
export DATABASE_URL="$PG_SERVER/tiku_smoke"
export CELERY_BROKER_URL=redis://127.0.0.1:6379/1
export ALLOWED_HOSTS=127.0.0.1
export MEDIA_ROOT="$PWD/var/smoke/media" STATIC_ROOT="$PWD/var/smoke/static"
PY=.venv/bin/python

$PY manage.py check --deploy --fail-level WARNING
# Plain HTTP on loopback from here on: no TLS terminator in front of gunicorn.
export SECURE_SSL_REDIRECT=false
$PY manage.py migrate --noinput -v0
$PY manage.py load_centres
$PY manage.py load_catalog
$PY manage.py collectstatic --noinput -v0

mkdir -p var/smoke
.venv/bin/gunicorn tiku_portal.wsgi:application --bind "127.0.0.1:$PORT" --workers 2 \
  --pid var/smoke/gunicorn.pid --log-file var/smoke/gunicorn.log &
web=$!
.venv/bin/celery -A tiku_portal worker --concurrency 2 --pool prefork --loglevel WARNING \
  --logfile var/smoke/worker.log &
worker=$!
cleanup() {
  kill -TERM "$web" "$worker" 2>/dev/null || true
  wait "$web" "$worker" 2>/dev/null || true
  psql_admin "DROP DATABASE IF EXISTS tiku_smoke" || true
}
trap cleanup EXIT

for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
echo "healthz: $(curl -fsS "http://127.0.0.1:$PORT/healthz")"
css=$(curl -fsS "http://127.0.0.1:$PORT/" | grep -o '/static/vendor/bootstrap/css/bootstrap[^"]*\.css' | head -1)
curl -fsS -o /dev/null "http://127.0.0.1:$PORT$css"
echo "static: $css served"
$PY scripts/smoke_pdf.py
echo "prod-smoke: ok"
