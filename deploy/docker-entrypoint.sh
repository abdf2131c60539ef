#!/bin/sh
# Migrate once, then start the workers (the app factory refuses an unmigrated database).
set -eu
rm -rf "$PROMETHEUS_MULTIPROC_DIR"
mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
python -m server init
exec python -m uvicorn --factory server.asgi:create --host 0.0.0.0 --port 8765 \
    --workers "$WORKERS" --proxy-headers --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-*}" \
    --no-access-log
