#!/usr/bin/env bash
# Run a command (the web server) with a background-jobs worker beside it; stop both together.
#
#   scripts/with_worker.sh .venv/bin/python manage.py runserver 127.0.0.1:8000
#
# The worker takes every queue (imports, evaluations, emails) and the periodic schedule (the
# nightly evaluations). In production, run it as its own service instead (README, Deployment).
set -euo pipefail
cd "$(dirname "$0")/.."

# The worker stops when it loses its database (a listener that cannot reconnect stops it, by
# procrastinate's design): started again a second later, as systemd's Restart=always does.
(
  pid=""
  trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; exit 0' INT TERM
  while true; do
    .venv/bin/python manage.py procrastinate worker --concurrency "${TACTIQUE_WORKER_CONCURRENCY:-2}" &
    pid=$!
    wait "$pid" || echo "with_worker.sh: the jobs worker stopped ($?); starting it again" >&2
    sleep 1
  done
) &
worker=$!
trap 'kill "$worker" 2>/dev/null; wait "$worker" 2>/dev/null || true' EXIT INT TERM
"$@"
