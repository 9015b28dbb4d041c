#!/usr/bin/env bash
# The production configuration, locally: gunicorn with N workers, the static files collected
# and served by WhiteNoise, and a background-jobs worker. `make serve` runs it after the usual
# set-up; a real deployment runs the same two processes as services (README, Deployment).
#
#   WEB_CONCURRENCY=4 PORT=8000 scripts/serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export DJANGO_DEBUG=0
# A local run needs no secret of its own; a deployment sets DJANGO_SECRET_KEY.
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-local-serve-only-$(hostname)-not-for-production}"
# Served on plain HTTP locally: cookies cannot be "secure" there.
export DJANGO_SECURE_COOKIES="${DJANGO_SECURE_COOKIES:-0}"

.venv/bin/python manage.py collectstatic --noinput -v 0
.venv/bin/python manage.py createcachetable -v 0
.venv/bin/python manage.py check --deploy --fail-level ERROR
exec scripts/with_worker.sh .venv/bin/gunicorn config.wsgi \
  --workers "${WEB_CONCURRENCY:-2}" \
  --bind "127.0.0.1:${PORT:-8000}" \
  --access-logfile - \
  --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}"
