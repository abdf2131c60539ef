"""The app factory for worker processes: ``uvicorn --factory server.asgi:create`` (or
gunicorn with uvicorn's worker class, ``server.asgi:create()``).

Configured from the environment, like ``python -m server``: ``COUNTERDESK_SERVER_DATA``
(the data folder, attachments) and ``COUNTERDESK_SERVER_DB`` (``postgresql://…`` for a
county). Workers do not migrate the schema: several starting at once would race, so
``python -m server init`` runs once before them (the systemd unit's ExecStartPre) and
a worker refuses to start on a database that is not at the current schema.
"""

from __future__ import annotations

from fastapi import FastAPI

from server.app import create_app
from server.database import ServerConfig, current_revision, head_revision, make_engine
from server.monitoring import configure_logging


def create() -> FastAPI:
    configure_logging()
    config = ServerConfig.from_args(None, None)
    engine = make_engine(config.database_url)
    revision = current_revision(engine)
    if revision != head_revision():
        engine.dispose()
        raise SystemExit(f"数据库结构版本为 {revision or '空'}，应为 {head_revision()}："
                         "请先执行 python -m server init（同样的 --db / 环境变量）。")
    config.attachments_dir.mkdir(parents=True, exist_ok=True)
    return create_app(config, engine=engine)
