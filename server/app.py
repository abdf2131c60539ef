"""The HTTP face of the central server (FastAPI; OpenAPI at /docs and /openapi.json).

Every endpoint under /api/v1 except /health wants the protocol version header (an
older client gets 426 and a "please upgrade" message) and every one except /health
and /enroll wants the station's credential. Refusals are JSON: ``{"code", "message",
"epoch", "details"}``; a refused request stores nothing. Every answer carries the
server's epoch in a header, and the JSON answers in their body too.
"""

from __future__ import annotations

import json
import logging
import threading
import time
import zlib
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from pydantic import Field
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import ClientDisconnect

from app import __version__
from app.domain import limits
from app.domain.calendar import configure_local_zone
from app.sync.protocol import (
    API_PREFIX,
    ATTACHMENT_CHUNK_BYTES,
    ATTACHMENT_CONTENTS_PATH,
    ATTACHMENT_FILES_PATH,
    ATTACHMENTS_PATH,
    AUDIT_HEAD_HEADER,
    DEFAULT_PULL_LIMIT,
    ENROLL_PATH,
    EPOCH_HEADER,
    FILES_MEDIA_TYPE,
    HEALTH_PATH,
    MAX_ATTACHMENT_BYTES,
    MAX_CONTENTS_FILES,
    MAX_INFLATED_BYTES,
    MAX_PULL_LIMIT,
    MAX_REFERENCE_ITEMS,
    MAX_REQUEST_BYTES,
    MIN_PROTOCOL_VERSION,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    PULL_PATH,
    PUSH_PATH,
    REFERENCE_PATH,
    REFERENCE_PUSH_PATH,
    STATION_PATH,
    UPGRADE_MESSAGE,
    VERIFICATIONS_PATH,
    AnswerStatus,
    AttachmentStatus,
    EnrollRequest,
    ErrorAnswer,
    ErrorCode,
    Health,
    PullPage,
    PushAnswer,
    ReferencePage,
    StationInfo,
    unpack_files,
)
from server import (
    attachments,
    events,
    monitoring,
    reference,
    stations,
    timestamps,
    verification,
    web,
)
from server.attachments import AttachmentStore
from server.database import (
    QuickReads,
    ServerConfig,
    current_epoch,
    make_session_factory,
    open_database,
)
from server.errors import ApiError
from server.models import Station

# Past this many bytes a refused body is no longer drained: the connection is dropped.
DRAIN_LIMIT = 64 * 1024 * 1024
EPOCH_CACHE_SECONDS = 2.0
# gzip level of the answers: 6 costs about 60% of the default 9's time on a pull page of
# 1,000 events (5 ms against 8) for an answer about 3% larger.
ANSWER_GZIP_LEVEL = 6

log = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def _error_response(status: int, code: str, message: str, epoch: str = "",
                    details: dict[str, Any] | None = None) -> JSONResponse:
    body = ErrorAnswer(code, message, epoch, details or {}).to_dict()
    return JSONResponse(body, status_code=status)


class _EpochCache:
    """The epoch for the response header, re-read from the database every few seconds."""

    def __init__(self, sessions: Callable[[], Session]) -> None:
        self._sessions = sessions
        self._value = ""
        self._read_at = 0.0
        self._lock = threading.Lock()

    def cached(self) -> str | None:
        """The epoch if read recently, without a trip to a worker thread; else None."""
        if self._value and time.monotonic() - self._read_at <= EPOCH_CACHE_SECONDS:
            return self._value
        return None

    def get(self) -> str:
        with self._lock:
            if time.monotonic() - self._read_at > EPOCH_CACHE_SECONDS:
                with self._sessions() as session:
                    self._value = current_epoch(session)
                self._read_at = time.monotonic()
            return self._value


class ProtocolMiddleware:
    """Checks the protocol version header and stamps the epoch on every answer."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]],
                 epoch: _EpochCache) -> None:
        self.app = app
        self.epoch = epoch

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        epoch = self.epoch.cached()
        if epoch is None:
            epoch = await run_in_threadpool(self.epoch.get)

        async def send_with_epoch(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((EPOCH_HEADER.lower().encode(), epoch.encode()))
                message["headers"] = headers
            await send(message)

        path = scope["path"]
        if path.startswith(API_PREFIX) and path != HEALTH_PATH:
            refusal = self._check_version(scope, epoch)
            if refusal is not None:
                await refusal(scope, receive, send_with_epoch)
                return
        await self.app(scope, receive, send_with_epoch)

    @staticmethod
    def _check_version(scope: Scope, epoch: str) -> JSONResponse | None:
        header = PROTOCOL_HEADER.lower().encode()
        raw = dict(scope.get("headers", [])).get(header, b"").decode("latin-1").strip()
        digits = raw.isascii() and raw.isdigit()
        # Thousands of digits are a version no server speaks (and too many for int()).
        version = (int(raw) if len(raw) <= 9 else PROTOCOL_VERSION + 1) if digits else 0
        if version < MIN_PROTOCOL_VERSION:
            return _error_response(
                426, ErrorCode.UPGRADE_REQUIRED, UPGRADE_MESSAGE, epoch,
                {"client_protocol": version, "min_protocol_version": MIN_PROTOCOL_VERSION},
            )
        if version > PROTOCOL_VERSION:
            return _error_response(
                400, ErrorCode.SERVER_TOO_OLD,
                "服务器版本低于客户端，暂时无法同步。请联系县中心管理员升级服务器。", epoch,
                {"client_protocol": version, "server_protocol": PROTOCOL_VERSION},
            )
        return None


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, or a 413 if it is larger than ``limit`` bytes as sent."""
    declared = request.headers.get("content-length", "")
    too_large = ApiError(413, ErrorCode.TOO_LARGE,
                         f"请求过大（上限 {limit // 1024} KB），整批未保存，请减小批量后重试。",
                         limit=limit)
    if declared.isdigit() and int(declared) > DRAIN_LIMIT:
        raise too_large
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > DRAIN_LIMIT:
            break
        if total <= limit:
            chunks.append(chunk)
    if total > limit:
        raise too_large
    return b"".join(chunks)


def inflate(body: bytes, encoding: str, limit: int = MAX_INFLATED_BYTES) -> bytes:
    """Undo ``Content-Encoding: gzip`` without letting a small bomb grow past ``limit``."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding != "gzip":
        raise ApiError(415, ErrorCode.MALFORMED, f"不支持的内容编码 {encoding}，请使用 gzip。")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limit + 1)
    except zlib.error:
        raise ApiError(422, ErrorCode.MALFORMED, "压缩数据已损坏，整批未保存。") from None
    if len(data) > limit or inflater.unconsumed_tail:
        raise ApiError(413, ErrorCode.TOO_LARGE, "解压后的请求过大，整批未保存，请减小批量后重试。")
    if not inflater.eof:
        raise ApiError(422, ErrorCode.MALFORMED, "压缩数据不完整，整批未保存。")
    return data


def parse_json(data: bytes) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ApiError(422, ErrorCode.MALFORMED, "请求不是有效的 JSON，整批未保存。") from None
    except RecursionError:
        raise ApiError(422, ErrorCode.MALFORMED, "请求的 JSON 嵌套过深，整批未保存。") from None


def _session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


# Module level: with postponed annotations FastAPI resolves these names here.
SessionDep = Annotated[Session, Depends(_session)]
AuthHeader = Annotated[str | None, Header(alias="Authorization")]


@dataclass(frozen=True)
class ContentsRequest:
    sha256: Annotated[list[Annotated[str, Field(strict=True, min_length=64, max_length=64)]],
                      Field(min_length=1, max_length=MAX_CONTENTS_FILES)]


@dataclass(frozen=True)
class AttachmentAnnouncement:
    # Strict: a size given as text, a fraction or true is refused, not converted.
    sha256: Annotated[str, Field(strict=True, min_length=64, max_length=64)]
    size: Annotated[int, Field(strict=True, ge=0, le=MAX_ATTACHMENT_BYTES)]
    mime_type: Annotated[str, Field(strict=True, max_length=limits.MIME_TYPE)] = ""
    original_name: Annotated[str, Field(strict=True, max_length=limits.FILE_NAME)] = ""


def create_app(
    config: ServerConfig,
    *,
    engine: Engine | None = None,
    max_request_bytes: int = MAX_REQUEST_BYTES,
) -> FastAPI:
    """The application; opens (and upgrades) the database unless given an engine."""
    configure_local_zone(config.time_zone)
    engine = engine or open_database(config)
    session_factory = make_session_factory(engine)
    store = AttachmentStore(config.attachments_dir)
    authority = timestamps.open_authority(config.data_dir)
    epoch_cache = _EpochCache(session_factory)
    quick_reads = QuickReads(engine)

    app = FastAPI(
        title="CounterDesk 中心服务器",
        version=__version__,
        description="县级政务服务中心服务器：站点登记、事件同步、参考数据下发、附件分块上传。"
                    "协议说明见 docs/sync-protocol.md。",
    )
    app.state.engine = engine
    app.state.config = config
    app.state.sessions = session_factory
    app.state.timestamp_authority = authority

    @app.exception_handler(ApiError)
    async def _on_api_error(_request: Request, error: ApiError) -> JSONResponse:
        return _error_response(error.status, error.code, error.message,
                               await run_in_threadpool(epoch_cache.get), error.details)

    @app.exception_handler(RequestValidationError)
    async def _on_invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        fields = [".".join(str(p) for p in e.get("loc", ())) for e in error.errors()]
        return _error_response(422, ErrorCode.MALFORMED, "请求格式不正确。",
                               await run_in_threadpool(epoch_cache.get), {"fields": fields})

    @app.exception_handler(StarletteHTTPException)
    async def _on_http(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        epoch = await run_in_threadpool(epoch_cache.get)
        if error.status_code == 400:
            # FastAPI's "There was an error parsing the body" (a body nested too deep
            # to parse, say): the same Chinese refusal as any other unreadable body.
            return _error_response(422, ErrorCode.MALFORMED, "请求格式不正确。", epoch)
        code = ErrorCode.NOT_FOUND if error.status_code == 404 else "http_error"
        message = "没有这个接口。" if error.status_code == 404 else str(error.detail)
        return _error_response(error.status_code, code, message, epoch)

    @app.exception_handler(ClientDisconnect)
    async def _on_disconnect(request: Request, _error: ClientDisconnect) -> Response:
        # Nobody is left to answer: one line in the log, no traceback.
        log.warning("客户端在请求中途断开：%s %s", request.method, request.url.path)
        return Response(status_code=400)

    app.add_middleware(GZipMiddleware, minimum_size=2048, compresslevel=ANSWER_GZIP_LEVEL)
    app.add_middleware(ProtocolMiddleware, epoch=epoch_cache)

    def transaction(work: Callable[[Session], Any]) -> Any:
        """Run ``work`` in one transaction: commit on success, roll back on refusal."""
        with session_factory() as session:
            try:
                result = work(session)
            except ApiError as error:
                if error.keep_changes:
                    session.commit()
                else:
                    session.rollback()
                raise
            session.commit()
            return result

    def authenticated(session: Session, authorization: str | None) -> Station:
        return stations.authenticate(session, authorization)

    async def read(work: Callable[[Session], Any]) -> Any:
        """Run a read in one worker-thread hop (a sync endpoint with a session dependency
        costs three: that is most of an empty sync round's time on the server)."""

        def run() -> Any:
            with session_factory() as session:
                return work(session)

        return await run_in_threadpool(run)

    # --- endpoints ---------------------------------------------------------------------

    @app.get(HEALTH_PATH, response_model=Health, tags=["sync"])
    async def health() -> JSONResponse:
        """Is the server up; its epoch and protocol versions. No credential needed."""
        epoch = await read(current_epoch)
        body = Health("ok", epoch, PROTOCOL_VERSION, MIN_PROTOCOL_VERSION,
                      datetime.now(UTC).isoformat())
        return JSONResponse(body.to_dict())

    @app.post(ENROLL_PATH, response_model=StationInfo, tags=["stations"])
    def enroll(body: EnrollRequest) -> JSONResponse:
        """Register the station's credential with its one-time enrollment code."""

        def work(session: Session) -> StationInfo:
            station = stations.enroll(session, code=body.code, station_code=body.station_code,
                                      credential=body.credential)
            return stations.station_info(session, station)

        return JSONResponse(transaction(work).to_dict())

    @app.get(STATION_PATH, response_model=StationInfo, tags=["stations"])
    async def station(
        request: Request,
        authorization: AuthHeader = None,
        audit_head: Annotated[str | None, Header(alias=AUDIT_HEAD_HEADER)] = None,
    ) -> JSONResponse:
        """Who the credential belongs to, the highest station sequence seen from it, and
        the heads of its feed and of the reference data (a round with nothing new stops
        here); the station's audit head as last seen, which it checks its chain against."""
        head = stations.parse_audit_head(audit_head)

        def answer() -> StationInfo:
            found, info = quick_reads.run(
                lambda connection: stations.authenticate_with_info(connection, authorization))
            # What the station reports of itself, for the console (issue 15), and a
            # longer audit chain's head: written only when they move.
            report = stations.note_report(found, request.headers)
            moves = head if stations.anchor_needed(found, head) else None
            if report is not None or moves is not None:
                transaction(lambda session: remember(session, found.id, report, moves))
            return info

        def remember(session: Session, station_id: str, report: dict[str, Any] | None,
                     moves: tuple[int, str] | None) -> None:
            if report is not None:
                stations.keep_report(session, station_id, report)
            if moves is not None:
                stations.remember_audit_head(session, station_id, moves)

        return JSONResponse((await run_in_threadpool(answer)).to_dict())

    push_body = {
        "requestBody": {
            "required": True,
            "description": "JSON {\"events\": [{\"event\": Event, \"station_sequence\": int}]}, "
                           "best sent with Content-Encoding: gzip.",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    }

    @app.post(PUSH_PATH, response_model=PushAnswer, tags=["sync"], openapi_extra=push_body)
    async def push(request: Request, authorization: AuthHeader = None) -> Response:
        """Push a batch of events; one answer per event."""
        raw = await read_body(request, max_request_bytes)
        encoding = request.headers.get("content-encoding", "")

        def answer() -> bytes:
            # Inflated, parsed, stored and encoded in one worker-thread hop.
            data = parse_json(inflate(raw, encoding))
            if not isinstance(data, dict):
                raise ApiError(422, ErrorCode.MALFORMED, "请求格式不正确：缺少事件列表。")

            def work(session: Session) -> PushAnswer:
                found = authenticated(session, authorization)
                pushed = events.push(session, found, data.get("events"))
                # Sealed documents get the server's RFC 3161 time-stamp with their event.
                timestamps.stamp_sealed(session, authority, [
                    a.id for a in pushed.answers if a.status is AnswerStatus.ACCEPTED])
                return pushed

            answered = transaction(work)
            monitoring.count_push(answered.answers)
            return events.encode_answer(events.push_answer_dict(answered))

        return Response(await run_in_threadpool(answer), media_type="application/json")

    @app.get(PULL_PATH, response_model=PullPage, tags=["sync"])
    async def pull(
        after: Annotated[int, Query(ge=0, le=limits.MAX_BIGINT)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
        authorization: AuthHeader = None,
    ) -> Response:
        """The station's feed after its cursor: events in its scope and conflict notices."""

        def work(session: Session) -> bytes:
            found = authenticated(session, authorization)
            return events.pull_answer(session, found, after, limit)

        return Response(await read(work), media_type="application/json")

    @app.get(REFERENCE_PATH, response_model=ReferencePage, tags=["reference"])
    async def reference_since(
        since: Annotated[int, Query(ge=0, le=limits.MAX_BIGINT)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = DEFAULT_PULL_LIMIT,
        authorization: AuthHeader = None,
    ) -> JSONResponse:
        """Catalog, departments, own staff, seals and calendar years newer than ``since``."""

        def work(session: Session) -> dict[str, Any]:
            found = authenticated(session, authorization)
            return reference.page_since(session, found, since, limit).to_dict()

        return JSONResponse(await read(work))

    @app.post(REFERENCE_PUSH_PATH, tags=["reference"], openapi_extra=push_body)
    async def reference_push(request: Request, authorization: AuthHeader = None) -> JSONResponse:
        """Reference records edited at the station: its staff; catalog etc. if it publishes."""
        raw = await read_body(request, max_request_bytes)
        data = parse_json(inflate(raw, request.headers.get("content-encoding", "")))
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, list) or len(items) > MAX_REFERENCE_ITEMS:
            raise ApiError(422, ErrorCode.MALFORMED, "请求格式不正确：缺少参考数据列表。")

        def work(session: Session) -> dict[str, Any]:
            found = authenticated(session, authorization)
            answers = reference.push_from_station(session, found, items)
            return {"epoch": current_epoch(session), "answers": [a.to_dict() for a in answers]}

        return JSONResponse(await run_in_threadpool(transaction, work))

    @app.post(ATTACHMENTS_PATH, response_model=AttachmentStatus, tags=["attachments"])
    def attachment_begin(body: AttachmentAnnouncement,
                         authorization: AuthHeader = None) -> JSONResponse:
        """Announce a scan by SHA-256 and size; answers how many bytes the server holds."""

        def work(session: Session) -> AttachmentStatus:
            found = authenticated(session, authorization)
            return attachments.begin(session, store, found, sha256=body.sha256, size=body.size,
                                     mime_type=body.mime_type, original_name=body.original_name)

        return JSONResponse(transaction(work).to_dict())

    @app.get(ATTACHMENTS_PATH + "/{sha256}", response_model=AttachmentStatus,
             tags=["attachments"])
    def attachment_status(sha256: str, session: SessionDep,
                          authorization: AuthHeader = None) -> JSONResponse:
        authenticated(session, authorization)
        return JSONResponse(attachments.status(session, sha256).to_dict())

    files_body = {
        "requestBody": {
            "required": True,
            "content": {FILES_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    }

    chunk_body = {
        "requestBody": {
            "required": True,
            "content": {"application/octet-stream": {"schema": {"type": "string",
                                                                 "format": "binary"}}},
        }
    }

    @app.put(ATTACHMENTS_PATH + "/{sha256}", response_model=AttachmentStatus,
             tags=["attachments"], openapi_extra=chunk_body)
    async def attachment_chunk(
        sha256: str,
        request: Request,
        offset: Annotated[int, Query(ge=0, le=limits.MAX_BIGINT)],
        authorization: AuthHeader = None,
    ) -> JSONResponse:
        """Bytes of the scan at ``offset`` (409 with the right offset if it is not)."""
        data = await read_body(request, 2 * ATTACHMENT_CHUNK_BYTES)

        def work(session: Session) -> AttachmentStatus:
            authenticated(session, authorization)
            return attachments.put_chunk(session, store, sha256=sha256, offset=offset,
                                         data=data)

        return JSONResponse((await run_in_threadpool(transaction, work)).to_dict())

    @app.post(ATTACHMENT_CONTENTS_PATH, tags=["attachments"],
              responses={200: {"content": {FILES_MEDIA_TYPE: {}}}})
    async def attachment_contents(body: ContentsRequest,
                                  authorization: AuthHeader = None) -> Response:
        """Several complete files in one answer: a JSON line naming them (and those
        missing, or left for a later request), then their bytes."""

        def work(session: Session) -> bytes:
            found = authenticated(session, authorization)
            return attachments.contents(session, store, found, body.sha256)

        return Response(await read(work), media_type=FILES_MEDIA_TYPE)

    @app.post(ATTACHMENT_FILES_PATH, tags=["attachments"], openapi_extra=files_body)
    async def attachment_files(request: Request, authorization: AuthHeader = None) -> JSONResponse:
        """Small files sent whole, several to a request (``FILES_MEDIA_TYPE``, the head's
        files naming sha256, size, mime_type and original_name): one answer per file,
        the attachment's status or why it was not kept."""
        raw = await read_body(request, max_request_bytes)
        try:
            head, files = unpack_files(raw)
        except (ValueError, KeyError, TypeError) as error:
            raise ApiError(422, ErrorCode.MALFORMED, "请求格式不正确：文件包不完整。") from error
        if len(files) > MAX_CONTENTS_FILES:
            raise ApiError(413, ErrorCode.TOO_LARGE,
                           f"一次最多上传{MAX_CONTENTS_FILES}个文件，请分批上传。")

        def work(session: Session) -> dict[str, Any]:
            found = authenticated(session, authorization)
            return {"answers": attachments.put_files(session, store, found, head["files"],
                                                     files)}

        return JSONResponse(await run_in_threadpool(transaction, work))

    @app.get(ATTACHMENTS_PATH + "/{sha256}/content", tags=["attachments"])
    def attachment_content(sha256: str, session: SessionDep,
                           authorization: AuthHeader = None) -> FileResponse:
        """A complete scan's bytes."""
        found = authenticated(session, authorization)
        path = attachments.content_path(session, store, sha256, found)
        return FileResponse(path, media_type="application/octet-stream")

    @app.post(VERIFICATIONS_PATH, tags=["sync"], openapi_extra=push_body)
    async def verifications_push(request: Request,
                                 authorization: AuthHeader = None) -> JSONResponse:
        """Seal uses' verification records (sent before the events naming them), which
        the public page (/v/{id}) reads: ``{"records": [...]}``."""
        raw = await read_body(request, max_request_bytes)
        data = parse_json(inflate(raw, request.headers.get("content-encoding", "")))
        records = data.get("records") if isinstance(data, dict) else None

        def work(session: Session) -> dict[str, Any]:
            return verification.store_records(session, authenticated(session, authorization),
                                              records)

        return JSONResponse(await run_in_threadpool(transaction, work))

    web.install(app, config)
    monitoring.install(app, config)
    return app
