"""How a station reaches its server safely: TLS, and the server's certificate pinned.

- Plain ``http://`` only to this computer (the loopback: 127.0.0.0/8, ``localhost``,
  ``::1``), unless an explicit option for testing allows it (``SyncEngine``'s
  ``allow_plain_http``, or ``COUNTERDESK_ALLOW_PLAIN_HTTP=1``).
- ``https://``: at enrollment (the first contact) the station takes the SHA-256
  fingerprint of the certificate the server shows, compares it with the one the county
  centre handed out if given, and keeps it. Every later connection must show the same
  certificate: a changed one stops sync with a clear message, whatever a certificate
  authority would say (a county server may well have a self-signed certificate).
- Through the web proxy the environment names (``HTTPS_PROXY``, ``NO_PROXY``; the
  system's settings on Windows): a tunnel, so the pin is checked as without it.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import ipaddress
import os
import ssl
from urllib.parse import unquote, urlsplit

from requests.adapters import HTTPAdapter
from requests.utils import get_environ_proxies

from app.domain.errors import DomainError

ALLOW_PLAIN_HTTP_ENV = "COUNTERDESK_ALLOW_PLAIN_HTTP"


class TransportRefused(DomainError):
    """The server's address or certificate is not one this station may talk to."""


def is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http_allowed(explicit: bool = False) -> bool:
    return explicit or os.environ.get(ALLOW_PLAIN_HTTP_ENV, "") == "1"


def check_scheme(url: str, *, allow_plain_http: bool = False) -> None:
    """Refuse ``http://`` to any host but this computer's own, unless allowed."""
    scheme = urlsplit(url).scheme.lower()
    if scheme == "https":
        return
    if scheme != "http":
        raise TransportRefused("bad_url", "服务器地址应以 https:// 开头。", field="server_url")
    if not is_loopback(url) and not plain_http_allowed(allow_plain_http):
        raise TransportRefused(
            "plain_http_refused",
            "为保护办件数据，与服务器的连接必须加密：服务器地址应以 https:// 开头"
            "（http:// 只用于本机测试）。请向县中心确认服务器的 https 地址。",
            field="server_url")


def normalise_fingerprint(text: str) -> str:
    """``AB:CD:…`` or ``abcd…`` → 64 lower-case hex digits (or "" if it is not one)."""
    digits = "".join(c for c in text.strip().lower() if c not in ": ")
    return digits if len(digits) == 64 and all(c in "0123456789abcdef" for c in digits) else ""


def certificate_fingerprint(url: str, timeout: float = 10.0) -> str:
    """SHA-256 of the certificate the server at ``url`` shows (DER), in hex.

    Read without judging it: pinning is the check, not the certificate's issuer. Through
    the proxy the environment names for ``url``, as the sync requests go (a tunnel: the
    certificate is still the server's)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    proxy = get_environ_proxies(url).get("https", "")
    if proxy:
        through = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
        if through.scheme != "http":
            raise TransportRefused(
                "proxy_unsupported",
                f"不支持此类代理（{through.scheme}://）：请在 HTTPS_PROXY 中设置 http:// 代理。")
        connection = http.client.HTTPSConnection(
            through.hostname or "", through.port or 80, timeout=timeout, context=context)
        headers = {}
        if through.username:
            login = f"{unquote(through.username)}:{unquote(through.password or '')}"
            headers["Proxy-Authorization"] = "Basic " + base64.b64encode(
                login.encode("utf-8")).decode("ascii")
        connection.set_tunnel(host, port, headers=headers)
    else:
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    try:
        connection.connect()
        assert isinstance(connection.sock, ssl.SSLSocket)
        der = connection.sock.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError) as error:
        via = f"（经代理 {through.hostname}:{through.port or 80}）" if proxy else ""
        raise TransportRefused("server_unreachable",
                               f"无法与服务器 {host}:{port} 建立加密连接{via}：{error}") from error
    finally:
        connection.close()
    if not der:
        raise TransportRefused("no_certificate", "服务器没有出示证书。")
    return hashlib.sha256(der).hexdigest()


class PinnedAdapter(HTTPAdapter):
    """An adapter whose connections must show the certificate with ``fingerprint``."""

    def __init__(self, fingerprint: str, **kwargs: object) -> None:
        self.fingerprint = fingerprint
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        kwargs["assert_fingerprint"] = self.fingerprint
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]

    # Through a proxy the connections come from the proxy's manager: they must show the
    # pinned certificate too (without this they were checked against nothing at all).
    def proxy_manager_for(self, proxy: str, **proxy_kwargs: object) -> object:  # type: ignore[override]
        proxy_kwargs["assert_fingerprint"] = self.fingerprint
        return super().proxy_manager_for(proxy, **proxy_kwargs)  # type: ignore[arg-type]

    # The pin is the check: the certificate need not chain to a known authority.
    def build_connection_pool_key_attributes(  # type: ignore[override]
        self, request: object, verify: object, cert: object = None
    ) -> tuple[dict[str, object], dict[str, object]]:
        return super().build_connection_pool_key_attributes(request, False, cert)  # type: ignore[arg-type]

    def cert_verify(self, conn: object, url: str, verify: object, cert: object) -> None:
        super().cert_verify(conn, url, False, cert)  # type: ignore[arg-type]
