"""HTTP client of the sync protocol (requests, with timeouts and retries).

Every request carries the protocol version and, once enrolled, the station's
credential. Every request of the protocol is idempotent (events by their id, chunks
by their offset, enrollment by code and credential), so transport errors are retried
a few times with backoff before they surface as :class:`ServerUnreachable`. Answers
the server refuses become typed errors with the server's code and Chinese message.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from app.domain.errors import DomainError
from app.sync.credentials import normalise_url
from app.sync.protocol import (
    ATTACHMENT_CONTENTS_PATH,
    ATTACHMENT_FILES_PATH,
    ATTACHMENTS_PATH,
    AUDIT_HEAD_HEADER,
    ENROLL_PATH,
    EPOCH_HEADER,
    FILES_MEDIA_TYPE,
    HEALTH_PATH,
    HELD_EPOCH_HEADER,
    OUTBOX_HEADER,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    PULL_PATH,
    PUSH_PATH,
    REFERENCE_PATH,
    REFERENCE_PUSH_PATH,
    STATION_PATH,
    UPGRADE_MESSAGE,
    VERIFICATIONS_PATH,
    AttachmentStatus,
    EnrollRequest,
    ErrorAnswer,
    ErrorCode,
    FilesAnswer,
    Health,
    PullPage,
    PushAnswer,
    PushedEvent,
    ReferenceAnswer,
    ReferencePage,
    StationInfo,
    gzip_json,
    pack_files,
)
from app.sync.transport import PinnedAdapter

DEFAULT_TIMEOUT = (5.0, 60.0)  # connect, read (seconds)


class SyncError(DomainError):
    """Base of everything that stops a sync round."""


class ServerUnreachable(SyncError):
    """No answer: the network is down, the server is off, or it timed out."""


class UpgradeRequired(SyncError):
    """The server no longer speaks this client's protocol version."""


class AuthenticationFailed(SyncError):
    """Missing, wrong or revoked station credential."""


class ServerRefused(SyncError):
    """A 4xx answer other than the above, with the server's code and reason."""

    def __init__(self, status: int, answer: ErrorAnswer) -> None:
        super().__init__(answer.code or "refused", answer.message or f"服务器拒绝了请求（{status}）。",
                         status=status, details=answer.details)
        self.status = status
        self.details = answer.details


class ServerFailure(SyncError):
    """A 5xx answer: the server is up but broken."""


class CertificateChanged(SyncError):
    """The server showed a certificate other than the one pinned at enrollment."""


CERTIFICATE_CHANGED = ("服务器出示的证书与本站登记时记录的不一致，已停止同步（可能有人冒充服务器）。"
                       "本地数据不受影响。如县中心确已更换服务器证书，请核对新证书指纹后重新登记本站点。")


def _retrying_adapter(retries: int, backoff: float) -> HTTPAdapter:
    retry = Retry(
        total=retries, connect=retries, read=retries, status=retries,
        backoff_factor=backoff, status_forcelist=(502, 503, 504),
        allowed_methods=None,  # every request of the protocol is idempotent
        raise_on_status=False, respect_retry_after_header=True,
    )
    return HTTPAdapter(max_retries=retry)


class SyncClient:
    """One server, one station credential."""

    def __init__(
        self,
        server_url: str,
        *,
        credential: str | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        retries: int = 2,
        backoff: float = 0.2,
        pinned_certificate: str = "",
    ) -> None:
        self.base_url = normalise_url(server_url)
        self.credential = credential
        self.timeout = timeout
        if session is None:
            session = requests.Session()
            adapter = _retrying_adapter(retries, backoff)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
        if pinned_certificate:
            # Every https connection must show the certificate pinned at enrollment.
            session.mount("https://", PinnedAdapter(
                pinned_certificate, max_retries=_retrying_adapter(retries, backoff).max_retries))
        # The environment's proxies, read once for this client (requests would re-read
        # the whole environment on every request), and no ~/.netrc: a password it holds
        # for the server's host would replace the station's credential.
        session.trust_env = False
        session.proxies.update(requests.utils.get_environ_proxies(self.base_url))
        self.session = session
        self.last_epoch = ""
        self.bytes_sent = 0

    def close(self) -> None:
        self.session.close()

    # --- plumbing ---------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        authenticated: bool = True,
        compress: bool = False,
    ) -> requests.Response:
        all_headers = {PROTOCOL_HEADER: str(PROTOCOL_VERSION), **(headers or {})}
        if authenticated:
            if not self.credential:
                raise AuthenticationFailed(ErrorCode.UNAUTHENTICATED, "本站点尚未登记到服务器。")
            all_headers["Authorization"] = f"Bearer {self.credential}"
        if json_body is not None:
            all_headers["Content-Type"] = "application/json"
            if compress:
                data = gzip_json(json_body)
                all_headers["Content-Encoding"] = "gzip"
            else:
                data = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        try:
            response = self.session.request(
                method, self.base_url + path, data=data, headers=all_headers, params=params,
                timeout=self.timeout,
            )
        except requests.exceptions.SSLError as error:
            if "ingerprint" in str(error):
                raise CertificateChanged("certificate_changed", CERTIFICATE_CHANGED) from error
            raise ServerUnreachable(
                "server_unreachable", f"无法与服务器 {self.base_url} 建立加密连接，稍后将自动重试。",
                error=str(error),
            ) from error
        except (requests.ConnectionError, requests.Timeout) as error:
            raise ServerUnreachable(
                "server_unreachable", f"无法连接服务器 {self.base_url}，稍后将自动重试。",
                error=str(error),
            ) from error
        except requests.RequestException as error:
            raise ServerUnreachable(
                "server_unreachable", f"与服务器 {self.base_url} 通信失败：{error}",
            ) from error
        self.bytes_sent += len(data or b"")
        self.last_epoch = response.headers.get(EPOCH_HEADER, self.last_epoch)
        if response.status_code < 400:
            return response
        answer = self._error_answer(response)
        if response.status_code == 426:
            raise UpgradeRequired(ErrorCode.UPGRADE_REQUIRED, answer.message or UPGRADE_MESSAGE)
        if response.status_code == 401:
            raise AuthenticationFailed(answer.code or ErrorCode.UNAUTHENTICATED,
                                       answer.message or "站点凭据无效。")
        if response.status_code >= 500:
            raise ServerFailure("server_failure",
                                f"服务器内部错误（{response.status_code}），稍后将自动重试。")
        raise ServerRefused(response.status_code, answer)

    @staticmethod
    def _error_answer(response: requests.Response) -> ErrorAnswer:
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            return ErrorAnswer.from_dict(body)
        return ErrorAnswer("http_error", f"服务器返回了错误（{response.status_code}）。")

    def _json(self, response: requests.Response) -> Any:
        try:
            return response.json()
        except ValueError as error:
            raise ServerFailure("bad_answer", "服务器的应答不是有效的 JSON。") from error

    # --- the protocol -----------------------------------------------------------------

    def health(self) -> Health:
        return Health.from_dict(self._json(self._request("GET", HEALTH_PATH,
                                                         authenticated=False)))

    def enroll(self, request: EnrollRequest) -> StationInfo:
        response = self._request("POST", ENROLL_PATH, json_body=request.to_dict(),
                                 authenticated=False)
        return StationInfo.from_dict(self._json(response))

    def station(self, audit_head: tuple[int, str] | None = None, *,
                outbox: int | None = None, held_epoch: str = "") -> StationInfo:
        """Who we are to the server. ``audit_head`` (our newest audit record) is sent
        along, and the answer says which head the server saw before; ``outbox`` and
        ``held_epoch`` report this station's state for the county's console."""
        headers = {HELD_EPOCH_HEADER: held_epoch} if held_epoch else {}
        if outbox is not None:
            headers[OUTBOX_HEADER] = str(outbox)
        if audit_head:
            headers[AUDIT_HEAD_HEADER] = f"{audit_head[0]}:{audit_head[1]}"
        return StationInfo.from_dict(self._json(self._request("GET", STATION_PATH,
                                                              headers=headers or None)))

    def push_verifications(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        """Send seal uses' verification records (before the events naming them)."""
        response = self._request("POST", VERIFICATIONS_PATH, json_body={"records": records},
                                 compress=True)
        answer = self._json(response)
        return answer if isinstance(answer, dict) else {}

    def push(self, events: list[PushedEvent]) -> PushAnswer:
        body = {"events": [e.to_dict() for e in events]}
        response = self._request("POST", PUSH_PATH, json_body=body, compress=True)
        return PushAnswer.from_dict(self._json(response))

    def pull(self, after: int, limit: int) -> PullPage:
        response = self._request("GET", PULL_PATH, params={"after": after, "limit": limit})
        return PullPage.from_dict(self._json(response))

    def reference(self, since: int, limit: int) -> ReferencePage:
        response = self._request("GET", REFERENCE_PATH, params={"since": since, "limit": limit})
        return ReferencePage.from_dict(self._json(response))

    def push_reference(self, items: list[dict[str, Any]]) -> list[ReferenceAnswer]:
        response = self._request("POST", REFERENCE_PUSH_PATH, json_body={"items": items},
                                 compress=True)
        return [ReferenceAnswer.from_dict(a) for a in self._json(response)["answers"]]

    def attachment_begin(
        self, sha256: str, size: int, *, mime_type: str = "", original_name: str = ""
    ) -> AttachmentStatus:
        body = {"sha256": sha256, "size": size, "mime_type": mime_type,
                "original_name": original_name}
        response = self._request("POST", ATTACHMENTS_PATH, json_body=body)
        return AttachmentStatus.from_dict(self._json(response))

    def attachment_chunk(self, sha256: str, offset: int, chunk: bytes) -> AttachmentStatus:
        """Send bytes at ``offset``; a 409 answers where to resume instead of failing."""
        try:
            response = self._request(
                "PUT", f"{ATTACHMENTS_PATH}/{sha256}", data=chunk, params={"offset": offset},
                headers={"Content-Type": "application/octet-stream"},
            )
        except ServerRefused as refusal:
            status = refusal.details.get("status")
            if refusal.status == 409 and isinstance(status, dict):
                return AttachmentStatus.from_dict(status)
            raise
        return AttachmentStatus.from_dict(self._json(response))

    def attachment_content(self, sha256: str) -> bytes:
        # The file as it is: a PDF does not shrink, gzip would only cost time.
        return self._request("GET", f"{ATTACHMENTS_PATH}/{sha256}/content",
                             headers={"Accept-Encoding": "identity"}).content

    def attachment_files(self, files: list[tuple[dict[str, Any], bytes]]) -> list[dict[str, Any]]:
        """Send small files whole, several in one request: one answer each, an
        attachment status or a refusal's "code" and "message" (an older server: 404)."""
        body = pack_files({"files": [{**item, "size": len(data)} for item, data in files]},
                          [data for _, data in files])
        response = self._request("POST", ATTACHMENT_FILES_PATH, data=body,
                                 headers={"Content-Type": FILES_MEDIA_TYPE})
        answers = self._json(response).get("answers")
        if not isinstance(answers, list) or len(answers) != len(files):
            raise ServerFailure("bad_answer", "服务器对文件包的应答不完整，稍后重试。")
        return answers

    def attachment_contents(self, digests: list[str]) -> FilesAnswer:
        """Several files in one request (a server older than it answers 404)."""
        response = self._request("POST", ATTACHMENT_CONTENTS_PATH,
                                 json_body={"sha256": digests},
                                 headers={"Accept-Encoding": "identity"})
        try:
            return FilesAnswer.parse(response.content)
        except (ValueError, KeyError, TypeError) as error:
            raise ServerFailure("bad_answer", "服务器返回的文件包不完整，稍后重试。") from error

