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


# Station-wide values kept in the profile (what documents and deadlines need). The
# remedy bodies are not among them: they belong to each department (see catalog).
STATION_SETTING_KEYS = {
    "station_name": "服务中心/站点名称",
    "resubmission_address": "补正材料提交地点",
    "tracking_text": "办件查询方式",
    "result_collection_text": "结果领取方式",
    "yellow_working_days": "黄牌预警提前工作日",
    "font_path": "文书字体文件",
    "seal_key_store": "印章密钥存放（file/keyring）",
}


def station_settings(uow_factory: UnitOfWorkFactory) -> dict[str, str]:
    with uow_factory() as uow:
        values = uow.settings.all()
    return {key: values.get(key, "") for key in STATION_SETTING_KEYS}


def update_station_settings(
    uow_factory: UnitOfWorkFactory, admin: CurrentUser, values: dict[str, str]
) -> None:
    """Change station-wide settings; unknown keys and bad values are refused."""
    from app.domain.errors import ValidationError
    from app.domain.roles import Action, authorize

    authorize(admin.roles, Action.MANAGE_SETTINGS, who=admin.display_name)
    unknown = set(values) - set(STATION_SETTING_KEYS)
    if unknown:
        raise ValidationError("unknown_setting", f"未知的设置项：{'、'.join(sorted(unknown))}。")
    yellow = values.get("yellow_working_days")
    if yellow is not None and not (yellow.isdigit() and 0 <= int(yellow) <= 30):
        raise ValidationError("bad_setting", "黄牌预警提前天数应为0至30的整数。",
                              field="yellow_working_days")
    if values.get("seal_key_store", "file") not in ("file", "keyring"):
        raise ValidationError("bad_setting", "印章密钥存放方式只能是 file 或 keyring。",
                              field="seal_key_store")
    with uow_factory() as uow:
        for key, value in values.items():
            uow.settings.set(key, value.strip())
        uow.audit.append({"kind": "admin", "action": "settings", "by": admin.id,
                          "keys": sorted(values)})
        uow.commit()
