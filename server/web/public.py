"""The public verification page (扫码核验): ``/v/{document_id}?c={code}``, no login.

What a phone shows after scanning a sealed document's QR code: the verdict in plain
Chinese and what the paper itself shows (issuing authority, kind, 文号, case number,
the applicant's name masked, date). Nothing else: no ID or phone numbers, no staff.
Each client gets a budget of requests per minute; the answer is never cached.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment

from app.print_templates.context import DocumentKind
from server.verification import DocumentCheck, DocumentState, check_document, timestamp_token
from server.web.ratelimit import RateLimiter

VERIFY_ROUTE = "/v/{document_id}"
TOKEN_ROUTE = "/v/{document_id}/timestamp.tsr"
TSA_CERT_ROUTE = "/v/tsa.pem"
RATE_ENV = "COUNTERDESK_VERIFY_PER_MINUTE"
DEFAULT_PER_MINUTE = 30

# What each verdict says, headline and explanation.
VERDICTS: dict[DocumentState, tuple[str, str]] = {
    DocumentState.VALID: ("核验通过：文书有效",
                          "本文书由下列机关加盖电子印章出具，核验码与用印记录一致。"
                          "请核对纸面内容与下列信息是否相符。"),
    DocumentState.SUPERSEDED: ("文书已被更正",
                               "本文书确由下列机关出具，但已被更正后的文书替代，"
                               "请以更正后的文书为准。"),
    DocumentState.REVOKED: ("文书已被撤销",
                            "本文书确由下列机关出具，但已依法撤销，不再具有效力。"),
    DocumentState.MISMATCH: ("核验未通过",
                             "核验码与该文书的用印记录不符。该文书可能被篡改或伪造，"
                             "请勿据此办理业务，并可向出具机关核实。"),
    DocumentState.UNKNOWN: ("未能核验：中心尚无该文书的记录",
                            "可能是出具窗口在离线状态下盖章、尚未同步到县中心服务器（尚未同步）；"
                            "同步后即可核验。也可能该文书并非本中心出具。"
                            "请稍后再扫码查询，或持文书向出具窗口核实。在核验通过之前，请勿将其视为有效文书。"),
}


def _kind_label(kind: str) -> str:
    try:
        return DocumentKind(kind).label
    except ValueError:
        return kind or "—"


def page_context(check: DocumentCheck) -> dict[str, object]:
    headline, explanation = VERDICTS[check.state]
    return {
        "check": check, "state": check.state.value, "headline": headline,
        "explanation": explanation, "kind_label": _kind_label(check.document_kind),
        "checked_at": datetime.now(UTC),
    }


def install(app: FastAPI, env: Environment) -> None:
    per_minute = int(os.environ.get(RATE_ENV, "") or DEFAULT_PER_MINUTE)
    limiter = RateLimiter(per_minute, 60.0)
    template = env.get_template("verify.html")
    app.state.verify_limiter = limiter

    @app.get(TSA_CERT_ROUTE, include_in_schema=False)
    async def tsa_certificate(request: Request) -> Response:
        """The certificate of the server's time-stamping authority (PEM)."""
        authority = request.app.state.timestamp_authority
        if authority is None:
            return Response("本服务器未启用时间戳。", status_code=404,
                            media_type="text/plain; charset=utf-8")
        return Response(authority.certificate_pem, media_type="application/x-pem-file")

    @app.get(TOKEN_ROUTE, include_in_schema=False)
    async def timestamp(document_id: str, request: Request, c: str = "") -> Response:
        """A verified document's RFC 3161 token (``openssl ts -verify -in ... -token_in``)."""
        client = request.client.host if request.client else "?"
        if not limiter.allow(client):
            return Response("请求过于频繁，请稍后再试。", status_code=429,
                            media_type="text/plain; charset=utf-8", headers={"Retry-After": "60"})

        def work() -> bytes | None:
            with request.app.state.sessions() as session:
                return timestamp_token(session, document_id, c)

        token = await run_in_threadpool(work)
        if token is None:
            return Response("没有该文书的时间戳。", status_code=404,
                            media_type="text/plain; charset=utf-8")
        return Response(token, media_type="application/timestamp-reply",
                        headers={"Cache-Control": "no-store"})

    @app.get(VERIFY_ROUTE, response_class=HTMLResponse, include_in_schema=False)
    async def verify_page(document_id: str, request: Request, c: str = "") -> HTMLResponse:
        headers = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex",
                   "Referrer-Policy": "no-referrer",
                   "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"}
        client = request.client.host if request.client else "?"
        if not limiter.allow(client):
            busy = env.get_template("busy.html").render(checked_at=datetime.now(UTC))
            return HTMLResponse(busy, status_code=429, headers={**headers, "Retry-After": "60"})

        def work() -> DocumentCheck:
            with request.app.state.sessions() as session:
                return check_document(session, document_id, c)

        check = await run_in_threadpool(work)
        body = template.render(**page_context(check))
        return HTMLResponse(body, headers=headers)
