"""``python -m server [command] [--data-dir DIR] [--db URL]``: run and administer the server.

With no command the server starts (``serve``) on 127.0.0.1 with a SQLite database in
a local folder. Every command takes the same --data-dir and --db, so the CLI works on
the database the server uses. Errors are one line on stderr and a non-zero exit.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import shutil
import sqlite3
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.domain.calendar import configure_local_zone
from app.domain.errors import DomainError, ValidationError
from app.domain.seal import SealKind, SealStatus
from server import accounts, administration, reference, stations
from server.database import (
    DATABASE_NAME,
    ServerConfig,
    current_epoch,
    new_epoch,
    open_database,
)
from server.errors import ApiError

DEFAULT_PORT = 8765
ADMIN_PASSWORD_ENV = "COUNTERDESK_ADMIN_PASSWORD"


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS: a subcommand's default must not overwrite a value given before it.
    common.add_argument("--data-dir", type=Path, default=argparse.SUPPRESS,
                        help="数据目录（默认 ./counterdesk-server-data 或 $COUNTERDESK_SERVER_DATA）")
    common.add_argument("--db", default=argparse.SUPPRESS,
                        help="数据库 URL（默认数据目录中的 SQLite；生产环境用 postgresql://…）")
    common.add_argument("--time-zone", default=argparse.SUPPRESS,
                        help="本地时区，用于统计和日期（默认 Asia/Shanghai 或 "
                             "$COUNTERDESK_SERVER_TIME_ZONE）")
    # Where to listen: for ``serve``, and for the bare ``python -m server`` that means it.
    listen = argparse.ArgumentParser(add_help=False)
    listen.add_argument("--host", default=argparse.SUPPRESS, help="监听地址（默认 127.0.0.1）")
    listen.add_argument("--port", type=int, default=argparse.SUPPRESS,
                        help=f"端口（默认 {DEFAULT_PORT}）")
    listen.add_argument("--cert", "--tls-cert", dest="cert", type=Path,
                        default=argparse.SUPPRESS,
                        help="TLS 证书文件（PEM，含中间证书）：由服务器自己提供 https")
    listen.add_argument("--key", "--tls-key", dest="key", type=Path, default=argparse.SUPPRESS,
                        help="TLS 私钥文件（PEM），与 --cert 同用")
    parser = argparse.ArgumentParser(prog="python -m server", parents=[common, listen],
                                     description="CounterDesk 县级中心服务器")
    sub = parser.add_subparsers(dest="command")

    sub.add_parser("serve", parents=[common, listen], help="启动服务器（默认命令）")
    sub.add_parser("init", parents=[common], help="创建或升级数据库，生成纪元标识")
    sub.add_parser("status", parents=[common], help="显示纪元与数据量")

    create = sub.add_parser("create-station", parents=[common],
                            help="新建站点；最后一行输出一次性登记码")
    create.add_argument("name")
    create.add_argument("--code", default=None, help="站点代码（不填则采用首次登记的计算机的代码）")
    create.add_argument("--publisher", action="store_true",
                        help="允许该站点发布事项目录、印章和节假日安排（县中心管理端）")
    create.add_argument("--all-cases", action="store_true",
                        help="县中心窗口计算机：接收全部办件（而非仅本站登记和上报到本站的办件）")
    create.add_argument("--valid-days", type=int, default=stations.DEFAULT_CODE_VALID_DAYS)
    code = sub.add_parser("enrollment-code", parents=[common],
                          help="为已有站点重新生成登记码（更换计算机时）；最后一行输出登记码")
    code.add_argument("station")
    code.add_argument("--valid-days", type=int, default=stations.DEFAULT_CODE_VALID_DAYS)
    listing = sub.add_parser("list-stations", parents=[common], help="列出站点")
    listing.add_argument("--json", action="store_true")
    revoke = sub.add_parser("revoke-station", parents=[common], help="注销站点凭据")
    revoke.add_argument("station")

    catalog = sub.add_parser("import-catalog", parents=[common],
                             help="导入事项目录 JSON：{departments: [...], matters: [...]}")
    catalog.add_argument("file", type=Path)

    staff = sub.add_parser("add-staff", parents=[common], help="新增或修改站点人员")
    staff.add_argument("--station", required=True)
    staff.add_argument("--username", required=True)
    staff.add_argument("--name", required=True, help="姓名")
    staff.add_argument("--roles", required=True, help="clerk,chief,admin,supervisor 之一或多个")
    staff.add_argument("--department", default="")
    staff.add_argument("--window", default="")
    deactivate = sub.add_parser("deactivate-staff", parents=[common], help="停用站点人员")
    deactivate.add_argument("--station", required=True)
    deactivate.add_argument("username")

    seal = sub.add_parser("add-seal", parents=[common],
                          help="登记印章（审批专用章、窗口受理专用章或双章制窗口用章）")
    seal.add_argument("--kind", choices=[k.value for k in SealKind], default=SealKind.APPROVAL.value,
                      help="approval：审批专用章；intake：窗口受理专用章；window_copy：双章制窗口用章")
    seal.add_argument("--window", default="", help="受理专用章的使用窗口，如“3号窗口”")
    seal.add_argument("--department", required=True)
    seal.add_argument("--serial", required=True, help="印章编号")
    seal.add_argument("--authority", required=True, help="机关名称（印文）")
    seal.add_argument("--station", required=True, help="保管人所在站点")
    seal.add_argument("--custodian", required=True, help="保管人（首席代表）用户名")
    seal.add_argument("--valid-from", type=date.fromisoformat, default=None)
    seal.add_argument("--valid-to", type=date.fromisoformat, default=None)
    seal.add_argument("--made-on", type=date.fromisoformat, default=None)
    seal.add_argument("--made-by", default="县公安局备案刻章单位")
    seal.add_argument("--id", default=None)
    seal_status = sub.add_parser("revoke-seal", parents=[common], help="注销或暂停印章")
    seal_status.add_argument("seal", help="印章编号或标识")
    seal_status.add_argument("--status", choices=[s.value for s in SealStatus if s.value != "in_use"],
                             default=SealStatus.REVOKED.value)

    calendar = sub.add_parser("publish-calendar", parents=[common],
                              help="发布某年节假日安排 JSON：{holidays: [...], adjusted_workdays: [...]}")
    calendar.add_argument("year", type=int)
    calendar.add_argument("file", type=Path)

    admin = sub.add_parser("add-admin", parents=[common],
                           help=f"新增管理控制台账户（密码取自环境变量 {ADMIN_PASSWORD_ENV} 或提示输入）")
    admin.add_argument("username")
    admin.add_argument("--name", default="", help="姓名")
    admin.add_argument("--reset", action="store_true", help="为已有账户重设密码并解锁")

    sub.add_parser("new-epoch", parents=[common],
                   help="更换纪元标识（从备份恢复数据库后执行，各站点将重新上传）")
    restore = sub.add_parser("restore", parents=[common],
                             help="从备份恢复 SQLite 数据库并更换纪元标识")
    restore.add_argument("file", type=Path)
    backup = sub.add_parser("backup", parents=[common], help="备份 SQLite 数据库")
    backup.add_argument("--output", type=Path, default=None)
    return parser


def _in_transaction(engine: Engine, work: Callable[[Session], Any]) -> Any:
    with Session(engine, expire_on_commit=False) as session:
        result = work(session)
        session.commit()
        return result


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    config = ServerConfig.from_args(getattr(args, "data_dir", None), getattr(args, "db", None),
                                    getattr(args, "time_zone", None))
    try:
        configure_local_zone(config.time_zone)
    except ValidationError as error:
        print(f"错误：{error.message}", file=sys.stderr)
        return 2
    command = args.command or "serve"
    listening = ("host", "port", "cert", "key")
    if command != "serve" and any(hasattr(args, name) for name in listening):
        print("错误：--host、--port、--cert 和 --key 只用于启动服务器（serve）。", file=sys.stderr)
        return 2
    if hasattr(args, "cert") != hasattr(args, "key"):
        print("错误：--cert 和 --key 须同时给出。", file=sys.stderr)
        return 2
    try:
        return _run(command, args, config)
    except (DomainError, ApiError) as error:
        print(f"错误：{error.message}", file=sys.stderr)
        return 1
    except (OSError, ValueError, json.JSONDecodeError) as error:
        print(f"错误：{error}", file=sys.stderr)
        return 1


def _run(command: str, args: argparse.Namespace, config: ServerConfig) -> int:
    if command == "restore":
        return _restore(config, args.file)
    engine = open_database(config)
    try:
        if command == "serve":
            return _serve(config, engine, getattr(args, "host", "127.0.0.1"),
                          getattr(args, "port", DEFAULT_PORT),
                          getattr(args, "cert", None), getattr(args, "key", None))
        handler = _COMMANDS[command]
        return handler(engine, config, args)
    finally:
        engine.dispose()


def _serve(config: ServerConfig, engine: Engine, host: str, port: int,
           cert: Path | None = None, key: Path | None = None) -> int:
    import uvicorn

    from server.app import create_app
    from server.monitoring import configure_logging

    if (cert is None) != (key is None):
        print("错误：--cert 和 --key 须同时给出。", file=sys.stderr)
        return 2
    for path in (cert, key):
        if path is not None and not path.is_file():
            print(f"错误：找不到文件 {path}。", file=sys.stderr)
            return 1
    scheme = "https" if cert else "http"
    print(f"CounterDesk 中心服务器：{scheme}://{host}:{port}  数据库：{_describe(config)}",
          flush=True)
    configure_logging()
    # proxy_headers: behind a reverse proxy on this machine, the client's address and
    # scheme come from X-Forwarded-For / -Proto (trusted from 127.0.0.1 only).
    uvicorn.run(create_app(config, engine=engine), host=host, port=port, log_config=None,
                access_log=False, proxy_headers=True,
                ssl_certfile=str(cert) if cert else None,
                ssl_keyfile=str(key) if key else None)
    return 0


def _describe(config: ServerConfig) -> str:
    url = config.database_url
    if "@" in url:  # hide a password in the URL
        scheme, _, rest = url.partition("://")
        url = f"{scheme}://…@{rest.rpartition('@')[2]}"
    return url


def _init(engine: Engine, config: ServerConfig, _args: argparse.Namespace) -> int:
    with Session(engine) as session:
        print(f"数据库已就绪：{_describe(config)}")
        print(f"纪元标识：{current_epoch(session)}")
    return 0


def _status(engine: Engine, config: ServerConfig, _args: argparse.Namespace) -> int:
    from server.events import counts

    with Session(engine) as session:
        numbers = counts(session)
        print(f"数据库：{_describe(config)}")
        print(f"纪元标识：{current_epoch(session)}")
        print(f"事件：{numbers['events']}  被拒绝的事件：{numbers['rejections']}")
        print(f"站点：{len(stations.list_stations(session))}")
    return 0


def _create_station(engine: Engine, _config: ServerConfig, args: argparse.Namespace) -> int:
    created = _in_transaction(engine, lambda s: stations.create_station(
        s, name=args.name, code=args.code, may_publish=args.publisher,
        sees_all_cases=args.all_cases, valid_days=args.valid_days))
    print(f"站点：{created.name}（代码：{created.code or '首次登记时采用计算机上的站点代码'}）")
    print(f"登记码有效期至：{created.expires_at.astimezone().strftime('%Y-%m-%d %H:%M')}，只能使用一次。")
    print(created.enrollment_code)
    return 0


def _enrollment_code(engine: Engine, _config: ServerConfig, args: argparse.Namespace) -> int:
    code = _in_transaction(engine, lambda s: stations.reissue_enrollment_code(
        s, args.station, valid_days=args.valid_days))
    print(f"站点 {args.station} 的新登记码（只能使用一次；使用后旧凭据失效）：")
    print(code)
    return 0


def _list_stations(engine: Engine, _config: ServerConfig, args: argparse.Namespace) -> int:
    with Session(engine) as session:
        rows = stations.list_stations(session)
        records = [
            {"code": s.code or "", "name": s.name, "state": stations.station_state(s),
             "publisher": s.may_publish, "all_cases": s.sees_all_cases,
             "max_station_sequence": s.max_station_sequence,
             "last_seen_at": s.last_seen_at.isoformat() if s.last_seen_at else ""}
            for s in rows
        ]
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return 0
    for r in records:
        publisher = (" 可发布目录" if r["publisher"] else "") + (
            " 接收全部办件" if r["all_cases"] else "")
        print(f"{r['code'] or '（未登记）':<12} {r['state']}  {r['name']}{publisher}  "
              f"最近同步：{r['last_seen_at'] or '从未'}")
    return 0


def _revoke_station(engine: Engine, _config: ServerConfig, args: argparse.Namespace) -> int:
    station = _in_transaction(engine, lambda s: stations.revoke_station(s, args.station))
    print(f"已注销站点 {station.code or station.id}（{station.name}），其凭据不再有效。")
    return 0


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _import_catalog(engine: Engine, _config: ServerConfig, args: argparse.Namespace) -> int:
    document = _read_json(args.file)
    departments, matters = _in_transaction(
        engine, lambda s: reference.import_catalog(s, document))
    print(f"已导入：部门变更 {departments} 个，事项变更 {matters} 个。各站点下次同步时更新。")
    return 0


def _add_staff(engine: Engine, _config: ServerConfig, args: argparse.Namespace) -> int:
    roles = administration.parse_roles(args.roles)
    user_id = _in_transaction(engine, lambda s: administration.save_staff_member(
        s, station=args.station, username=args.username, display_name=args.name, roles=roles,
        department=args.department, window=args.window))
    print("初始密码由该站点的管理员在本站“人员管理”中设置（密码不随同步传送）。")
    print(f"已保存站点 {args.station.strip().upper()} 的人员 {args.username}（{args.name}），标识：")
    print(user_id)
    return 0


def _deactivate_staff(engine: Engine, _config: ServerConfig, args: argparse.Namespace) -> int:
    _in_transaction(engine, lambda s: administration.deactivate_staff_member(
        s, station=args.station, username=args.username))
    print(f"已停用站点 {args.station.strip().upper()} 的人员 {args.username}。")
    return 0


def _add_seal(engine: Engine, _config: ServerConfig, args: argparse.Namespace) -> int:
    new = administration.NewSeal(
        station=args.station, custodian=args.custodian, department=args.department,
        serial=args.serial, authority=args.authority, kind=SealKind(args.kind),
        window=args.window, valid_from=args.valid_from, valid_to=args.valid_to,
        made_on=args.made_on, made_by=args.made_by, id=args.id)
    seal = _in_transaction(engine, lambda s: administration.register_seal(s, new))
    print(f"已登记印章 {seal.serial}（{seal.full_title}），标识：")
    print(seal.id)
    return 0


def _add_admin(engine: Engine, _config: ServerConfig, args: argparse.Namespace) -> int:
    password = os.environ.get(ADMIN_PASSWORD_ENV, "") or getpass.getpass("密码：")

    def work(session: Session) -> None:
        if args.reset:
            accounts.set_password(session, args.username, password)
            accounts.set_active(session, args.username, True)
        else:
            accounts.create_account(session, username=args.username,
                                    display_name=args.name or args.username, password=password)
        accounts.audit(session, "(命令行)", "reset_admin" if args.reset else "add_admin",
                       args.username.strip().lower())

    _in_transaction(engine, work)
    print(f"管理账户 {args.username} 已{'重设密码并解锁' if args.reset else '创建'}；"
          "登录地址：服务器地址/admin")
    return 0


def _revoke_seal(engine: Engine, _config: ServerConfig, args: argparse.Namespace) -> int:
    status = SealStatus(args.status)
    data = _in_transaction(engine, lambda s: reference.set_seal_status(s, args.seal, status))
    print(f"印章 {data['serial']} 已设为“{status.label}”；各站点同步后即不能再使用。")
    return 0


def _publish_calendar(engine: Engine, _config: ServerConfig, args: argparse.Namespace) -> int:
    document = _read_json(args.file)
    _in_transaction(engine, lambda s: reference.publish_calendar(s, args.year, document))
    print(f"已发布 {args.year} 年节假日安排；各站点下次同步时更新并重算期限。")
    return 0


def _new_epoch(engine: Engine, _config: ServerConfig, _args: argparse.Namespace) -> int:
    epoch = new_epoch(engine)
    print("已更换纪元标识；各站点下次同步时将重新上传本站全部事件。")
    print(epoch)
    return 0


def _backup(engine: Engine, config: ServerConfig, args: argparse.Namespace) -> int:
    if not config.is_sqlite:
        print("错误：PostgreSQL 请使用 pg_dump 备份。", file=sys.stderr)
        return 1
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = args.output or config.data_dir / "backups" / f"server-{stamp}.sqlite3"
    target.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(config.data_dir / DATABASE_NAME)
    try:
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    print(target)
    return 0


def _restore(config: ServerConfig, source: Path) -> int:
    """Put a backup in place and change the epoch, so stations re-send what it lacks."""
    if not config.is_sqlite:
        print("错误：PostgreSQL 请用 pg_restore 恢复，然后执行 new-epoch。", file=sys.stderr)
        return 1
    if not source.is_file():
        print(f"错误：找不到备份文件 {source}。", file=sys.stderr)
        return 1
    config.data_dir.mkdir(parents=True, exist_ok=True)
    database = config.data_dir / DATABASE_NAME
    for suffix in ("-wal", "-shm"):
        Path(str(database) + suffix).unlink(missing_ok=True)
    shutil.copyfile(source, database)
    engine = open_database(config)
    try:
        epoch = new_epoch(engine)
    finally:
        engine.dispose()
    print("已从备份恢复数据库并更换纪元标识；各站点下次同步时将重新上传。")
    print(epoch)
    return 0


_COMMANDS: dict[str, Callable[[Engine, ServerConfig, argparse.Namespace], int]] = {
    "init": _init,
    "status": _status,
    "create-station": _create_station,
    "enrollment-code": _enrollment_code,
    "list-stations": _list_stations,
    "revoke-station": _revoke_station,
    "import-catalog": _import_catalog,
    "add-staff": _add_staff,
    "deactivate-staff": _deactivate_staff,
    "add-seal": _add_seal,
    "revoke-seal": _revoke_seal,
    "add-admin": _add_admin,
    "publish-calendar": _publish_calendar,
    "new-epoch": _new_epoch,
    "backup": _backup,
}
