"""The console of the county's IT staff: ``/admin``, server-rendered, login required.

Pages: 概况 (health and stations: enrolled, last seen, queued events as reported,
protocol version, epoch), 站点 acts (create, new enrollment code, revoke), 拒收与标记
(refusals and flagged events by station), 事项目录, 节假日, 人员, 印章, 文书撤销,
管理账户 and 操作日志. Each act runs the same function as the CLI (``server.stations``,
``server.reference``, ``server.administration``), in one transaction, and is written to
the audit log whether it succeeded or was refused. Forms carry the session's CSRF
token; the session cookie is HttpOnly and SameSite=Strict (Secure over HTTPS).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import parse_qs, quote

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment
from sqlalchemy.orm import Session

from app.domain.calendar import LOCAL_ZONE
from app.domain.errors import DomainError
from app.domain.seal import SealKind, SealStatus
from app.print_templates.context import DocumentKind
from server import accounts, administration, overview, reference, stations, verification
from server.accounts import ConsoleSession
from server.database import ServerConfig
from server.models import VerificationRecord

PREFIX = "/admin"
SESSION_COOKIE = "cd_admin"
FLASH_COOKIE = "cd_flash"
MAX_FORM_BYTES = 8 * 1024 * 1024

NAVIGATION = [
    ("", "概况"), ("/refusals", "拒收与标记"), ("/catalog", "事项目录"),
    ("/calendar", "节假日"), ("/staff", "人员"), ("/seals", "印章"),
    ("/documents", "文书撤销"), ("/accounts", "管理账户"), ("/audit", "操作日志"),
]


ACTION_LABELS = {
    "login": "登录", "logout": "退出", "create_station": "新增站点",
    "reissue_enrollment_code": "重发登记码", "revoke_station": "注销站点凭据",
    "publish_catalog": "发布目录", "publish_calendar": "发布节假日", "save_staff": "保存人员",
    "deactivate_staff": "停用人员", "add_seal": "登记印章", "set_seal_status": "更改印章状态",
    "revoke_document": "登记文书撤销", "add_account": "新增管理账户",
    "unlock_account": "启用/解锁账户", "deactivate_account": "停用管理账户",
    "add_admin": "新增管理账户（命令行）", "reset_admin": "重设管理密码（命令行）",
}
OUTCOME_LABELS = {"ok": "成功", "refused": "被拒绝", "bad_credentials": "密码错误",
                  "locked": "账户锁定", "csrf_refused": "表单过期，未执行"}


class Refused(Exception):
    """A console act refused before reaching the services (bad form input)."""


def _remote(request: Request) -> str:
    return request.client.host if request.client else ""


async def _form(request: Request) -> dict[str, str]:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise Refused("提交的内容过大。")
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return {key: values[-1] for key, values in parsed.items()}


def _flash(response: Response, ok: bool, message: str) -> None:
    value = base64.urlsafe_b64encode(json.dumps({"ok": ok, "m": message}).encode()).decode()
    response.set_cookie(FLASH_COOKIE, value, max_age=60, httponly=True, samesite="strict",
                        path=PREFIX)


def _read_flash(request: Request) -> dict[str, Any] | None:
    raw = request.cookies.get(FLASH_COOKIE, "")
    if not raw:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(raw.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _day(text: str, label: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Refused(f"{label}格式应为 2026-01-31。") from None


def _json_document(text: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise Refused(f"JSON 格式不正确（第 {error.lineno} 行第 {error.colno} 列）。") from None
    if not isinstance(document, dict):
        raise Refused("JSON 顶层应为对象 {…}。")
    return document


def install(app: FastAPI, env: Environment, config: ServerConfig) -> None:  # noqa: C901
    sessions = app.state.sessions
    env.globals.update(action_labels=ACTION_LABELS, outcome_labels=OUTCOME_LABELS)

    def render(name: str, request: Request, who: ConsoleSession | None, *,
               status: int = 200, **context: Any) -> HTMLResponse:
        body = env.get_template(name).render(
            who=who, nav=NAVIGATION, prefix=PREFIX, path=request.url.path,
            flash=_read_flash(request), now=datetime.now(UTC), **context)
        response = HTMLResponse(body, status_code=status,
                                headers={"Cache-Control": "no-store",
                                         "X-Frame-Options": "DENY",
                                         "Referrer-Policy": "same-origin"})
        if request.cookies.get(FLASH_COOKIE):
            response.delete_cookie(FLASH_COOKIE, path=PREFIX)
        return response

    def who_of(request: Request) -> ConsoleSession | None:
        with sessions() as session:
            return accounts.find_session(session, request.cookies.get(SESSION_COOKIE, ""))

    async def page(request: Request, name: str,
                   read: Callable[[Session], dict[str, Any]] | None = None) -> Response:
        """A GET page: the login page unless logged in."""

        def work() -> tuple[ConsoleSession | None, dict[str, Any]]:
            who = who_of(request)
            if who is None or read is None:
                return who, {}
            with sessions() as session:
                return who, read(session)

        who, context = await run_in_threadpool(work)
        if who is None:
            return RedirectResponse(f"{PREFIX}/login?next={quote(request.url.path)}", 303)
        return render(name, request, who, **context)

    async def act(request: Request, action: str, back: str,
                  work: Callable[[Session, dict[str, str], ConsoleSession], tuple[str, str]],
                  *, show: str | None = None) -> Response:
        """A POST act: checks the session and CSRF token, runs ``work`` (which returns
        (target, message)) in one transaction, audits it, and redirects back with the
        message; ``show`` renders that template instead (an enrollment code is shown
        once, never put in a cookie)."""
        try:
            form = await _form(request)
        except Refused as error:
            return Response(str(error), status_code=413)
        remote = _remote(request)

        def run() -> tuple[ConsoleSession | None, bool, str, str]:
            who = who_of(request)
            if who is None:
                return None, False, "", ""
            if form.get("csrf", "") != who.csrf_token:
                with sessions() as session:
                    accounts.audit(session, who.username, action, outcome="csrf_refused",
                                   remote=remote)
                    session.commit()
                return who, False, "", "表单已过期，请刷新页面后重试。"
            with sessions() as session:
                try:
                    target, message = work(session, form, who)
                except (DomainError, Refused) as error:
                    session.rollback()
                    text = error.message if isinstance(error, DomainError) else str(error)
                    accounts.audit(session, who.username, action, form.get("target", ""),
                                   outcome="refused", remote=remote, message=text)
                    session.commit()
                    return who, False, "", text
                accounts.audit(session, who.username, action, target, remote=remote)
                session.commit()
                return who, True, target, message

        who, ok, target, message = await run_in_threadpool(run)
        if who is None:
            return RedirectResponse(f"{PREFIX}/login", 303)
        if ok and show is not None:
            return render(show, request, who, target=target, **json.loads(message))
        response = RedirectResponse(PREFIX + back, 303)
        _flash(response, ok, message)
        return response

    # --- login -----------------------------------------------------------------------

    @app.get(PREFIX + "/login", response_class=HTMLResponse, include_in_schema=False)
    async def login_page(request: Request, next: str = "") -> Response:
        return render("console_login.html", request, None, next=next, error="")

    @app.post(PREFIX + "/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        form = await _form(request)
        username = form.get("username", "").strip().lower()
        remote = _remote(request)

        def run() -> tuple[str, str]:
            with sessions() as session:
                try:
                    account = accounts.log_in(session, username, form.get("password", ""))
                except DomainError as error:
                    accounts.audit(session, username or "?", "login", outcome=error.code,
                                   remote=remote)
                    session.commit()
                    return "", error.message
                token, _ = accounts.start_session(session, account)
                accounts.audit(session, account.username, "login", remote=remote)
                session.commit()
                return token, ""

        token, error = await run_in_threadpool(run)
        if not token:
            return render("console_login.html", request, None, next=form.get("next", ""),
                          error=error, status=401)
        target = form.get("next", "")
        if not target.startswith(PREFIX) or target.startswith(PREFIX + "/login"):
            target = PREFIX
        response = RedirectResponse(target, 303)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict",
                            secure=request.url.scheme == "https", path=PREFIX,
                            max_age=int(accounts.SESSION_LIFETIME.total_seconds()))
        return response

    @app.post(PREFIX + "/logout", include_in_schema=False)
    async def logout(request: Request) -> Response:
        token = request.cookies.get(SESSION_COOKIE, "")

        def run() -> None:
            with sessions() as session:
                who = accounts.find_session(session, token)
                if who is not None:
                    accounts.end_session(session, token)
                    accounts.audit(session, who.username, "logout", remote=_remote(request))
                    session.commit()

        await run_in_threadpool(run)
        response = RedirectResponse(f"{PREFIX}/login", 303)
        response.delete_cookie(SESSION_COOKIE, path=PREFIX)
        return response

    # --- overview and stations ----------------------------------------------------------

    @app.get(PREFIX, response_class=HTMLResponse, include_in_schema=False)
    async def dashboard(request: Request) -> Response:
        return await page(request, "console_dashboard.html", lambda s: {
            "health": overview.health(s, config), "stations": overview.station_rows(s),
        })

    @app.post(PREFIX + "/stations", include_in_schema=False)
    async def create_station(request: Request) -> Response:
        def work(session: Session, form: dict[str, str], _who: ConsoleSession) -> tuple[str, str]:
            created = stations.create_station(
                session, name=form.get("name", ""), code=form.get("code", "").strip() or None,
                may_publish=form.get("publisher") == "on",
                sees_all_cases=form.get("all_cases") == "on")
            return created.code or created.name, _code_message(
                f"站点 {created.name}", created.enrollment_code, created.expires_at)

        return await act(request, "create_station", "", work, show="console_code.html")

    def _code_message(label: str, code: str, expires: datetime) -> str:
        return json.dumps({"code_label": label, "code": code,
                           "code_expires": expires.astimezone(LOCAL_ZONE).strftime("%Y-%m-%d %H:%M")},
                          ensure_ascii=False)

    @app.post(PREFIX + "/stations/{code}/enrollment-code", include_in_schema=False)
    async def reissue_code(code: str, request: Request) -> Response:
        def work(session: Session, _form: dict[str, str], _who: ConsoleSession) -> tuple[str, str]:
            new = stations.reissue_enrollment_code(session, code)
            station = stations.find_station(session, code)
            return code, _code_message(f"站点 {station.code or ''} {station.name}", new,
                                       station.enrollment_expires_at or datetime.now(UTC))

        return await act(request, "reissue_enrollment_code", "", work,
                         show="console_code.html")

    @app.post(PREFIX + "/stations/{code}/revoke", include_in_schema=False)
    async def revoke_station(code: str, request: Request) -> Response:
        def work(session: Session, _form: dict[str, str], _who: ConsoleSession) -> tuple[str, str]:
            station = stations.revoke_station(session, code)
            return code, f"已注销站点 {station.code or station.id}（{station.name}），其凭据不再有效。"

        return await act(request, "revoke_station", "", work)

    # --- refusals ------------------------------------------------------------------------

    @app.get(PREFIX + "/refusals", response_class=HTMLResponse, include_in_schema=False)
    async def refusals(request: Request, station: str = "") -> Response:
        station = station.strip().upper()
        return await page(request, "console_refusals.html", lambda s: {
            "station": station, "stations": overview.station_rows(s),
            "refusals": overview.refusals(s, station),
            "flagged": overview.flagged_events(s, station),
        })

    # --- catalog and calendar --------------------------------------------------------------

    @app.get(PREFIX + "/catalog", response_class=HTMLResponse, include_in_schema=False)
    async def catalog(request: Request) -> Response:
        return await page(request, "console_catalog.html", lambda s: {
            "departments": [i.data for i in reference.items(s, reference.ReferenceKind.DEPARTMENT)],
            "matters": [i.data for i in reference.items(s, reference.ReferenceKind.MATTER)],
        })

    @app.post(PREFIX + "/catalog", include_in_schema=False)
    async def import_catalog(request: Request) -> Response:
        def work(session: Session, form: dict[str, str], _who: ConsoleSession) -> tuple[str, str]:
            departments, matters = reference.import_catalog(
                session, _json_document(form.get("document", "")))
            return "catalog", (f"已发布：部门变更 {departments} 个，事项变更 {matters} 个。"
                               "各站点下次同步时更新。")

        return await act(request, "publish_catalog", "/catalog", work)

    @app.get(PREFIX + "/calendar", response_class=HTMLResponse, include_in_schema=False)
    async def calendar(request: Request) -> Response:
        return await page(request, "console_calendar.html", lambda s: {
            "years": sorted((i.data for i in reference.items(s, reference.ReferenceKind.CALENDAR)),
                            key=lambda d: d.get("year", 0), reverse=True),
            "this_year": datetime.now(LOCAL_ZONE).year,
        })

    @app.post(PREFIX + "/calendar", include_in_schema=False)
    async def publish_calendar(request: Request) -> Response:
        def work(session: Session, form: dict[str, str], _who: ConsoleSession) -> tuple[str, str]:
            year_text = form.get("year", "").strip()
            if not year_text.isdigit():
                raise Refused("请填写年份。")
            year = int(year_text)

            def days(name: str) -> list[str]:
                found = [d.strip() for d in form.get(name, "").replace("，", ",")
                         .replace("\n", ",").split(",") if d.strip()]
                for day in found:
                    parsed = _day(day, "日期")
                    if parsed is None or parsed.year != year:
                        raise Refused(f"日期 {day} 不在 {year} 年内。")
                return found

            reference.publish_calendar(session, year, {
                "holidays": days("holidays"), "adjusted_workdays": days("adjusted_workdays")})
            return str(year), f"已发布 {year} 年节假日安排；各站点下次同步时更新并重算期限。"

        return await act(request, "publish_calendar", "/calendar", work)

    # --- staff and seals -------------------------------------------------------------------

    @app.get(PREFIX + "/staff", response_class=HTMLResponse, include_in_schema=False)
    async def staff(request: Request, station: str = "") -> Response:
        station = station.strip().upper()

        def read(session: Session) -> dict[str, Any]:
            rows = overview.station_rows(session)
            chosen = station or next((r.code for r in rows if r.code), "")
            members = sorted(reference.staff_of_station(session, chosen).values(),
                             key=lambda d: d.get("username", "")) if chosen else []
            return {"station": chosen, "stations": rows, "members": members}

        return await page(request, "console_staff.html", read)

    @app.post(PREFIX + "/staff", include_in_schema=False)
    async def save_staff(request: Request) -> Response:
        def work(session: Session, form: dict[str, str], _who: ConsoleSession) -> tuple[str, str]:
            station = form.get("station", "").strip().upper()
            administration.save_staff_member(
                session, station=station, username=form.get("username", ""),
                display_name=form.get("name", ""),
                roles=administration.parse_roles(form.get("roles", "")),
                department=form.get("department", ""), window=form.get("window", ""))
            username = form.get("username", "").strip()
            return f"{station}/{username}", f"已保存站点 {station} 的人员 {username}；该站点下次同步时更新。"

        back = "/staff?station=" + quote(_peek_station(request))
        return await act(request, "save_staff", back, work)

    @app.post(PREFIX + "/staff/deactivate", include_in_schema=False)
    async def deactivate_staff(request: Request) -> Response:
        def work(session: Session, form: dict[str, str], _who: ConsoleSession) -> tuple[str, str]:
            station = form.get("station", "").strip().upper()
            username = form.get("username", "").strip()
            administration.deactivate_staff_member(session, station=station, username=username)
            return f"{station}/{username}", f"已停用站点 {station} 的人员 {username}。"

        back = "/staff?station=" + quote(_peek_station(request))
        return await act(request, "deactivate_staff", back, work)

    @app.get(PREFIX + "/seals", response_class=HTMLResponse, include_in_schema=False)
    async def seals(request: Request) -> Response:
        return await page(request, "console_seals.html", lambda s: {
            "seals": sorted((i.data for i in reference.items(s, reference.ReferenceKind.SEAL)),
                            key=lambda d: d.get("serial", "")),
            "departments": [i.data for i in reference.items(s, reference.ReferenceKind.DEPARTMENT)],
            "stations": overview.station_rows(s),
            "kinds": [(k.value, k.label) for k in SealKind],
            "statuses": [(st.value, st.label) for st in SealStatus],
            "status_labels": {st.value: st.label for st in SealStatus},
        })

    @app.post(PREFIX + "/seals", include_in_schema=False)
    async def add_seal(request: Request) -> Response:
        def work(session: Session, form: dict[str, str], _who: ConsoleSession) -> tuple[str, str]:
            try:
                kind = SealKind(form.get("kind", SealKind.APPROVAL.value))
            except ValueError:
                raise Refused("印章种类不正确。") from None
            seal = administration.register_seal(session, administration.NewSeal(
                station=form.get("station", ""), custodian=form.get("custodian", "").strip(),
                department=form.get("department", "").strip(),
                serial=form.get("serial", ""), authority=form.get("authority", ""),
                kind=kind, window=form.get("window", ""),
                valid_from=_day(form.get("valid_from", ""), "启用日期"),
                valid_to=_day(form.get("valid_to", ""), "停用日期"),
                made_on=_day(form.get("made_on", ""), "刻制日期"),
                made_by=form.get("made_by", "").strip() or "县公安局备案刻章单位"))
            return seal.serial, f"已登记印章 {seal.serial}（{seal.full_title}）。"

        return await act(request, "add_seal", "/seals", work)

    @app.post(PREFIX + "/seals/status", include_in_schema=False)
    async def seal_status(request: Request) -> Response:
        def work(session: Session, form: dict[str, str], _who: ConsoleSession) -> tuple[str, str]:
            try:
                status = SealStatus(form.get("status", ""))
            except ValueError:
                raise Refused("印章状态不正确。") from None
            data = reference.set_seal_status(session, form.get("seal", ""), status)
            return str(data["serial"]), (f"印章 {data['serial']} 已设为“{status.label}”；"
                                         "各站点同步后即按此执行。")

        return await act(request, "set_seal_status", "/seals", work)

    # --- documents ---------------------------------------------------------------------------

    @app.get(PREFIX + "/documents", response_class=HTMLResponse, include_in_schema=False)
    async def documents(request: Request, number: str = "") -> Response:
        def read(session: Session) -> dict[str, Any]:
            found: list[tuple[VerificationRecord, Any]] = []
            if number.strip():
                for record in verification.find_by_number(session, number):
                    found.append((record, session.get(verification.DocumentRevocation,
                                                      record.document_id)))
            return {"number": number, "found": found, "kinds": _kind_labels()}

        return await page(request, "console_documents.html", read)

    @app.post(PREFIX + "/documents/revoke", include_in_schema=False)
    async def revoke_document(request: Request) -> Response:
        def work(session: Session, form: dict[str, str], who: ConsoleSession) -> tuple[str, str]:
            day = _day(form.get("revoked_on", ""), "撤销日期") or datetime.now(LOCAL_ZONE).date()
            revocation = verification.revoke_document(
                session, form.get("document_id", ""),
                decision_number=form.get("decision_number", ""),
                reason=form.get("reason", ""),
                revoked_on=datetime.combine(day, time(12), LOCAL_ZONE).astimezone(UTC),
                by=who.username)
            return revocation.document_id, (f"已登记撤销（{revocation.decision_number}），"
                                            "扫码核验即显示“已撤销”。")

        back = "/documents?number=" + quote(request.query_params.get("number", ""))
        return await act(request, "revoke_document", back, work)

    # --- accounts and audit -----------------------------------------------------------------------

    @app.get(PREFIX + "/accounts", response_class=HTMLResponse, include_in_schema=False)
    async def account_list(request: Request) -> Response:
        return await page(request, "console_accounts.html",
                          lambda s: {"accounts": accounts.accounts(s)})

    @app.post(PREFIX + "/accounts", include_in_schema=False)
    async def add_account(request: Request) -> Response:
        def work(session: Session, form: dict[str, str], _who: ConsoleSession) -> tuple[str, str]:
            account = accounts.create_account(
                session, username=form.get("username", ""), display_name=form.get("name", ""),
                password=form.get("password", ""))
            return account.username, f"已创建管理账户 {account.username}。"

        return await act(request, "add_account", "/accounts", work)

    @app.post(PREFIX + "/accounts/{username}/{change}", include_in_schema=False)
    async def change_account(username: str, change: str, request: Request) -> Response:
        """``unlock`` (also re-enables) or ``deactivate`` an account."""
        active = change == "unlock"

        def work(session: Session, _form: dict[str, str], _who: ConsoleSession) -> tuple[str, str]:
            if change not in ("unlock", "deactivate"):
                raise Refused("没有这个操作。")
            account = accounts.set_active(session, username, active)
            return account.username, (f"管理账户 {account.username} 已"
                                      f"{'启用并解锁' if active else '停用'}。")

        return await act(request, f"{change}_account"[:40], "/accounts", work)

    @app.get(PREFIX + "/audit", response_class=HTMLResponse, include_in_schema=False)
    async def audit_log(request: Request) -> Response:
        return await page(request, "console_audit.html",
                          lambda s: {"entries": accounts.recent_audit(s)})


def _peek_station(request: Request) -> str:
    return request.query_params.get("station", "")


def _kind_labels() -> dict[str, str]:
    return {k.value: k.label for k in DocumentKind}
