"""Command line: ``python -m app [command] --data-dir DIR``.

With no command the desktop program starts. Every error is one clear line on stderr
and a non-zero exit.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from app import __version__
from app.domain.errors import DomainError


def default_data_dir() -> Path:
    """The data folder from the settings files, else the per-user data directory."""
    from platformdirs import user_data_dir

    from app.settings import Settings

    configured = Settings.load().values.data_dir
    return Path(configured) if configured else Path(user_data_dir("CounterDesk", appauthor=False))


# The CLI's short names for the documents (DocumentKind values).
_DOC_KINDS = {
    "receipt": "receipt",
    "notice": "one_time_notice",
    "acceptance": "acceptance_notice",
    "rejection": "rejection_notice",
    "approval": "approval_decision",
    "denial": "denial_decision",
    # The results of matters that are not 行政许可 (行政确认, 公共服务, 备案 ...).
    "result": "result_notice",
    "refusal": "refusal_notice",
    "extension": "extension_notice",
    "procedure": "special_procedure_notice",
    "delivery": "delivery_receipt",
}
_DOC_NAMES = {kind: name for name, kind in _DOC_KINDS.items()}


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", type=Path, default=None,
                        help="数据目录（默认：当前用户的数据目录）")
    parser = argparse.ArgumentParser(
        prog="python -m app", description="CounterDesk 政务服务窗口受理台", parents=[common]
    )
    parser.add_argument("--version", action="version", version=f"CounterDesk {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="离屏自检：新建演示数据、打开主窗口、生成每种文书后退出")
    sub = parser.add_subparsers(dest="command")

    init = sub.add_parser("init", parents=[common], help="初始化数据目录并创建管理员")
    init.add_argument("--station-code", required=True)
    init.add_argument("--station-name", required=True)
    init.add_argument("--admin-user", default="admin")
    init.add_argument("--admin-name", default="系统管理员")
    init.add_argument("--admin-password", default=None,
                      help="管理员密码（不填则从 COUNTERDESK_ADMIN_PASSWORD 或终端读取）")

    sub.add_parser("demo", parents=[common], help="创建演示数据（事项、人员、印章、办件）")

    cases = sub.add_parser("cases", parents=[common], help="列出办件")
    cases.add_argument("--json", action="store_true", help="以 JSON 数组输出")
    cases.add_argument("--state", default="")
    cases.add_argument("--warning", choices=["normal", "yellow", "red"], default="")
    cases.add_argument("--limit", type=int, default=1000)

    audit = sub.add_parser("audit", parents=[common], help="审计链")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    audit_sub.add_parser("verify", parents=[common], help="校验审计哈希链")

    backup = sub.add_parser("backup", parents=[common], help="备份数据库")
    backup.add_argument("--output", type=Path, default=None)
    restore = sub.add_parser("restore", parents=[common], help="从备份恢复数据库")
    restore.add_argument("file", type=Path)

    db = sub.add_parser("db", parents=[common], help="数据库维护")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", parents=[common], help="升级数据库结构（先自动备份）")
    db_sub.add_parser("rebuild", parents=[common], help="从事件重建办件表")

    print_doc = sub.add_parser("print", parents=[common], help="输出办件的文书（PDF 或 Word）")
    print_doc.add_argument("case_number")
    print_doc.add_argument("--doc", required=True, choices=sorted(_DOC_KINDS))
    print_doc.add_argument("--format", choices=["pdf", "docx"], default="pdf")
    print_doc.add_argument("--out", type=Path, required=True)
    ledger = sub.add_parser("print-ledger", parents=[common], help="输出用印登记簿 PDF")
    ledger.add_argument("--out", type=Path, required=True)
    ledger.add_argument("--from", dest="start", type=date.fromisoformat, default=None,
                        help="起始日期（默认：本月1日，北京时间）")
    ledger.add_argument("--to", dest="end", type=date.fromisoformat, default=None,
                        help="截止日期（默认：今天，北京时间）")
    ledger.add_argument("--department", default="",
                        help="印章保管部门代码（登记了多个部门的印章时必填）")

    enroll = sub.add_parser("enroll", parents=[common], help="向中心服务器登记本站点")
    enroll.add_argument("server_url")
    enroll.add_argument("code", help="服务器 create-station 打印的一次性登记码")
    enroll.add_argument("--fingerprint", default="",
                        help="县中心提供的服务器证书 SHA-256 指纹（https；不填则信任首次连接所见的证书）")
    sub.add_parser("sync", parents=[common], help="与中心服务器同步一次")

    archive = sub.add_parser("archive", parents=[common], help="办件归档")
    archive_sub = archive.add_subparsers(dest="archive_command", required=True)
    archive_verify = archive_sub.add_parser(
        "verify", parents=[common],
        help="离线校验归档包（不需要数据目录；退出码 0 通过，4 未通过）")
    archive_verify.add_argument("package", type=Path)
    archive_batch = archive_sub.add_parser(
        "batch", parents=[common], help="把一段时间内办结的办件归档（每件一个归档包）")
    archive_batch.add_argument("--from", dest="start", type=date.fromisoformat, required=True)
    archive_batch.add_argument("--to", dest="end", type=date.fromisoformat, required=True,
                               help="截止日期（含，北京时间）")
    archive_batch.add_argument("--out", type=Path, required=True)
    archive_batch.add_argument("--user", required=True, help="执行归档的管理员用户名")

    verify_doc = sub.add_parser(
        "verify-doc", parents=[common],
        help="校验文书：电子签名、用印登记与更正记录（退出码 0 有效，4 未通过，5 已被更正或未盖章）")
    verify_doc.add_argument("file", type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.self_test:
        from app.selftest import run_self_test

        return run_self_test(args.data_dir)  # None: a temporary folder
    from app.domain.calendar import configure_local_zone
    from app.settings import Settings

    # The station's zone for every local day below (the GUI's start does the same).
    configure_local_zone(Settings.load().values.time_zone)
    data_dir = args.data_dir or default_data_dir()
    if args.command is None:
        from app.main import run_gui

        return run_gui(data_dir)
    from app.logs import log_context, setup_logging

    setup_logging()
    handler = _COMMANDS[args.command]
    try:
        with log_context(user=getpass.getuser(), station="cli"):
            return handler(args, data_dir)
    except DomainError as error:
        print(f"错误：{error.message}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (``cases | head``): stop quietly, as other command-line
        # tools do; what is still buffered for stdout goes nowhere.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as error:
        print(f"错误：无法访问文件（{error.strerror or error}）。", file=sys.stderr)
        return 1


def _cmd_init(args: argparse.Namespace, data_dir: Path) -> int:
    from app.services.accounts import create_first_administrator
    from app.services.runtime import open_runtime

    password = args.admin_password or os.environ.get("COUNTERDESK_ADMIN_PASSWORD")
    if not password:
        password = getpass.getpass("管理员密码：")
    with open_runtime(data_dir) as runtime:
        create_first_administrator(
            runtime.uow, username=args.admin_user, display_name=args.admin_name,
            password=password, station_code=args.station_code, station_name=args.station_name,
        )
    print(f"已初始化：{data_dir}（站点 {args.station_code}，管理员 {args.admin_user}）")
    return 0


def _cmd_demo(args: argparse.Namespace, data_dir: Path) -> int:
    from app.services.demo import DEMO_PASSWORD, create_demo
    from app.services.runtime import open_runtime

    print(f"正在准备数据目录：{data_dir}……", flush=True)
    with open_runtime(data_dir) as runtime:
        summary = create_demo(runtime.uow, runtime.key_store,
                              progress=lambda text: print(text, flush=True))
    print(f"演示数据已创建：{summary.matters}个事项、{summary.departments}个部门、"
          f"{summary.users}名工作人员、{summary.cases}件办件。")
    print(f"登录账号：{', '.join(summary.usernames)}；密码均为 {DEMO_PASSWORD}")
    return 0


def _cmd_cases(args: argparse.Namespace, data_dir: Path) -> int:
    from app.services.queries import CaseFilter, list_cases
    from app.services.runtime import open_runtime
    from app.services.system import system_user

    with open_runtime(data_dir, backups=False) as runtime:
        case_filter = CaseFilter(states=(args.state,) if args.state else (),
                                 warning=args.warning)
        rows = list_cases(runtime.uow, system_user(runtime.uow), case_filter,
                          limit=args.limit, sort="registered_at", descending=False)
    if args.json:
        print(json.dumps([r.to_json() for r in rows], ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        deadline = r.deadline.isoformat() if r.deadline else "—"
        mark = "（暂定）" if r.deadline_provisional else ""
        print(f"{r.number}\t{r.category_label}\t{r.state_label}\t{r.matter_name}\t"
              f"{r.applicant_name}\t{deadline}{mark}\t{r.warning_label}")
    return 0


def _cmd_audit(args: argparse.Namespace, data_dir: Path) -> int:
    from app.services.runtime import open_runtime
    from app.services.system import verify_audit

    with open_runtime(data_dir, backups=False) as runtime:
        checked, broken = verify_audit(runtime.uow)
    if broken is not None:
        print(f"审计链在第 {broken.sequence} 条记录处断裂：{broken.reason}", file=sys.stderr)
        return 3
    print(f"审计链完整：已校验 {checked} 条记录。")
    return 0


def _cmd_backup(args: argparse.Namespace, data_dir: Path) -> int:
    from app.store.database import Profile, backup

    path = backup(Profile(data_dir), destination=args.output)
    print(f"已备份到 {path}")
    return 0


def _cmd_restore(args: argparse.Namespace, data_dir: Path) -> int:
    from app.store.database import Profile, restore, upgrade

    profile = Profile(data_dir)
    saved = restore(profile, args.file)
    upgrade(profile)
    print(f"已从 {args.file} 恢复。" + (f"原数据库已备份到 {saved}" if saved else ""))
    return 0


def _cmd_db(args: argparse.Namespace, data_dir: Path) -> int:
    from app.services.runtime import open_runtime
    from app.store.database import Profile, upgrade

    if args.db_command == "upgrade":
        saved = upgrade(Profile(data_dir))
        print("数据库已是最新结构。" if saved is None else f"已升级；升级前备份：{saved}")
        return 0
    from app.services.recording import rebuild_projection

    with open_runtime(data_dir, backups=False) as runtime, runtime.uow() as uow:
        count = rebuild_projection(uow)
        uow.commit()
    print(f"已从事件重建 {count} 件办件。")
    return 0


def _cmd_archive(args: argparse.Namespace, data_dir: Path) -> int:
    from app.services.archives import verify_package_file

    if args.archive_command == "verify":
        check = verify_package_file(args.package)
        if check.ok:
            print(f"校验通过：{check.archival_code}（办件{check.case_number}），"
                  f"{check.files_checked} 个文件的 SHA-256 与清单一致，审计证明完整。")
            return 0
        print(f"校验未通过：{check.archival_code or args.package.name}")
        for problem in check.problems:
            print(f"  - {problem}")
        return 4
    return _archive_batch(args, data_dir)


def _archive_batch(args: argparse.Namespace, data_dir: Path) -> int:
    from app.domain.calendar import local_day_start
    from app.services.accounts import authenticate
    from app.services.archives import archive_period
    from app.services.runtime import open_runtime

    password = os.environ.get("COUNTERDESK_PASSWORD") or getpass.getpass("密码：")
    with open_runtime(data_dir, backups=False) as runtime:
        user = authenticate(runtime.uow, username=args.user, password=password)

        def progress(done: int, total: int) -> None:
            print(f"\r已归档 {done}/{total}", end="", file=sys.stderr, flush=True)

        result = archive_period(
            runtime.uow, user, start=local_day_start(args.start),
            end=local_day_start(args.end) + timedelta(days=1), out_dir=args.out,
            attachments_dir=runtime.profile.attachments_dir, progress=progress)
    print(file=sys.stderr)
    print(f"归档 {len(result.archived)} 件，已归档跳过 {result.skipped} 件。")
    for failure in result.failed:
        print(f"未归档：{failure}", file=sys.stderr)
    return 1 if result.failed else 0


def _cmd_verify_doc(args: argparse.Namespace, data_dir: Path) -> int:
    from app.services.runtime import open_runtime
    from app.services.seals import VerificationStatus, verify_document

    with open_runtime(data_dir, backups=False) as runtime:
        result = verify_document(runtime.uow, args.file.read_bytes())
    print(result.summary)
    if result.valid:
        return 0
    # Genuine but not a sealed document in force: distinct from a forgery.
    return 5 if result.status in (VerificationStatus.SUPERSEDED,
                                  VerificationStatus.UNSEALED) else 4


def _cmd_print(args: argparse.Namespace, data_dir: Path) -> int:
    from app.print_templates import DocumentKind
    from app.services.documents import document_for_case
    from app.services.runtime import open_runtime
    from app.services.system import system_user

    with open_runtime(data_dir, backups=False) as runtime:
        try:
            printed = document_for_case(
                runtime.uow, system_user(runtime.uow), args.case_number,
                DocumentKind(_DOC_KINDS[args.doc]), word=args.format == "docx",
            )
        except DomainError as error:
            instead = _DOC_NAMES.get(str(error.params.get("instead", "")))
            if instead:
                # A non-licensing case has no 行政许可决定书: say which --doc it has.
                raise type(error)(error.code, f"{error.message}请使用 --doc {instead}。",
                                  field=error.field, **error.params) from None
            raise
    args.out.write_bytes(printed.data)
    if printed.issued and printed.sealed and args.format == "docx":
        print(f"已输出 {printed.document_number} 的 Word 参考副本到 {args.out}"
              "（不含印章；正式文书是加盖电子印章的 PDF）")
    elif printed.issued:
        print(f"已输出 {printed.document_number} 到 {args.out}")
    else:
        print(f"该文书尚未出具，已输出草稿到 {args.out}")
    return 0


def _cmd_print_ledger(args: argparse.Namespace, data_dir: Path) -> int:
    from app.services.runtime import open_runtime
    from app.services.seals import default_ledger_period, ledger_pdf
    from app.services.system import system_user

    # The counter's day, not the machine's: a ledger printed at 07:00 in Beijing on a
    # machine set to UTC still belongs to today.
    first, today = default_ledger_period()
    start = args.start or (args.end.replace(day=1) if args.end else first)
    end = args.end or today
    with open_runtime(data_dir, backups=False) as runtime:
        try:
            pdf = ledger_pdf(runtime.uow, system_user(runtime.uow), start=start, end=end,
                             department_code=args.department)
        except DomainError as error:
            if error.code != "ledger_department_required":
                raise
            print(f"错误：{error.message}用 --department 指定部门代码。", file=sys.stderr)
            return 1
    args.out.write_bytes(pdf)
    print(f"已输出用印登记簿（{start}至{end}）到 {args.out}")
    return 0


def _cmd_enroll(args: argparse.Namespace, data_dir: Path) -> int:
    from app.services.runtime import open_runtime
    from app.sync.commands import enroll_command

    with open_runtime(data_dir, backups=False) as runtime:
        return enroll_command(runtime, args.server_url, args.code,
                              fingerprint=args.fingerprint)


def _cmd_sync(args: argparse.Namespace, data_dir: Path) -> int:
    from app.services.runtime import open_runtime
    from app.sync.commands import sync_command

    with open_runtime(data_dir, backups=False) as runtime:
        return sync_command(runtime)


_COMMANDS: dict[str, Callable[[argparse.Namespace, Path], int]] = {
    "print": _cmd_print,
    "print-ledger": _cmd_print_ledger,
    "archive": _cmd_archive,
    "enroll": _cmd_enroll,
    "sync": _cmd_sync,
    "init": _cmd_init,
    "demo": _cmd_demo,
    "cases": _cmd_cases,
    "audit": _cmd_audit,
    "backup": _cmd_backup,
    "restore": _cmd_restore,
    "db": _cmd_db,
    "verify-doc": _cmd_verify_doc,
}
