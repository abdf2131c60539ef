"""The server's two web faces, rendered on the server (Jinja2, no front-end build):
the public verification page of a scanned QR code (:mod:`server.web.public`) and the
console of the county's IT staff (:mod:`server.web.console`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi import FastAPI
from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.domain.calendar import LOCAL_ZONE
from server.database import ServerConfig

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


def local_time(moment: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC moment as Beijing time, or "—"."""
    return moment.astimezone(LOCAL_ZONE).strftime(pattern) if moment is not None else "—"


def local_day(moment: datetime | None) -> str:
    """A UTC moment's local date in Chinese: 2026年11月23日."""
    if moment is None:
        return "—"
    day = moment.astimezone(LOCAL_ZONE).date()
    return f"{day.year}年{day.month}月{day.day}日"


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES_DIR),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["local_time"] = local_time
    env.filters["local_day"] = local_day
    return env


def install(app: FastAPI, config: ServerConfig) -> None:
    """Add the verification page and the console to ``app``."""
    from server.web import console, public

    env = environment()
    public.install(app, env)
    console.install(app, env, config)
