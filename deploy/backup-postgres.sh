#!/bin/sh
# A consistent backup of the county server on PostgreSQL: pg_dump (custom format) of the
# database and a copy of the attachments (content-addressed files, never changed once
# complete), then old dumps removed. Run daily by counterdesk-backup.timer (or cron, or
# the compose file's backup service). Restore: docs/operations.md.
set -eu
: "${COUNTERDESK_SERVER_DB:?COUNTERDESK_SERVER_DB is not set}"
BACKUP_DIR=${BACKUP_DIR:-/var/backups/counterdesk}
KEEP_DAYS=${KEEP_DAYS:-30}
# SQLAlchemy's driver suffix means nothing to pg_dump.
url=$(printf '%s' "$COUNTERDESK_SERVER_DB" | sed 's/^postgresql+psycopg:/postgresql:/')
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$BACKUP_DIR"
target="$BACKUP_DIR/counterdesk-$stamp.dump"
pg_dump --format=custom --no-owner --file="$target.partial" "$url"
mv "$target.partial" "$target"
if [ -n "${COUNTERDESK_SERVER_DATA:-}" ] && [ -d "$COUNTERDESK_SERVER_DATA/attachments" ]; then
    mkdir -p "$BACKUP_DIR/attachments"
    # New files only: a file name is its SHA-256.
    cp -Rn "$COUNTERDESK_SERVER_DATA/attachments/." "$BACKUP_DIR/attachments/"
fi
find "$BACKUP_DIR" -maxdepth 1 -name 'counterdesk-*.dump' -mtime +"$KEEP_DAYS" -delete
echo "$target"
