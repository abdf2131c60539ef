"""Profile-level use cases: audit verification, the system actor for the CLI."""

from __future__ import annotations

from app.domain.audit import ChainBreak, verify_chain
from app.domain.roles import Role
from app.services.context import CurrentUser
from app.store.unit_of_work import UnitOfWorkFactory


def verify_audit(uow_factory: UnitOfWorkFactory) -> tuple[int, ChainBreak | None]:
    """Check the whole audit chain; returns (records checked, first break or None)."""
    with uow_factory() as uow:
        records = list(uow.audit.records())
    return len(records), verify_chain(records)


def system_user(uow_factory: UnitOfWorkFactory) -> CurrentUser:
    """A read-only supervisor identity for command-line listings."""
    with uow_factory() as uow:
        station = uow.settings.get("station_code", "LOCAL")
    return CurrentUser(
        id="system", username="system", display_name="命令行", roles=frozenset({Role.SUPERVISOR}),
        station=station,
    )
