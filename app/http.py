"""Timeouts and retries for alpaca-py's REST clients, in the HTTP layer.

alpaca-py's ``RESTClient`` sends through a ``requests.Session`` with no timeout, so a
silent server holds a call forever. Rather than running calls on threads and abandoning
the ones that overrun (the threads would still hang), :func:`harden` mounts a
``requests`` transport adapter on the client's session: every request gets a connect and
read timeout, and connection faults, read timeouts and 5xx answers are retried with
exponential backoff by urllib3's ``Retry``. Retrying an order submission is safe: each
carries a client order id, and Alpaca answers a repeat with 422, which the broker turns
into the existing order. 429s are left to the SDK's own retry. A server that still cannot
be reached after the retries raises :class:`Unreachable`: both a ``requests``
``ConnectionError`` (for code that retries on it) and a :class:`ParleyError` whose message
names the host and port, never the request's keys.
"""

from __future__ import annotations

from typing import Any

from urllib.parse import urlsplit

from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter
from requests.exceptions import ConnectionError as RequestsConnectionError
from urllib3.util.retry import Retry

from app.errors import ParleyError

RETRY_STATUS = (500, 502, 503, 504)


class Unreachable(ParleyError, RequestsConnectionError):
    """A server that refused or did not answer the connection, after the retries."""

    def __init__(self, request: PreparedRequest, cause: Exception) -> None:
        where = urlsplit(request.url or "")
        text = str(cause).lower()
        why = (
            "connection refused"
            if "refused" in text
            else "timed out"
            if "timed out" in text or "timeout" in text
            else "name not resolved"
            if "resolve" in text or "name or service" in text
            else "connection failed"
        )
        host = f"{where.hostname or ''}" + (f":{where.port}" if where.port else "")
        ParleyError.__init__(
            self,
            f"cannot reach {where.scheme}://{host} "  # no user:password
            f"({why})",
            "check the network connection and the service's "
            "URL setting (APCA_API_BASE_URL, APCA_API_DATA_URL), then retry",
        )
        self.request, self.response = request, None


class _TimeoutAdapter(HTTPAdapter):
    def __init__(self, timeout: float, retry: Retry) -> None:
        self.timeout = timeout
        super().__init__(max_retries=retry)

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        try:
            return super().send(request, **kwargs)
        except RequestsConnectionError as err:
            raise Unreachable(request, err) from err


def retry_policy(retries: int, backoff: float) -> Retry:
    return Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        status_forcelist=RETRY_STATUS,
        allowed_methods=None,
        raise_on_status=False,
        respect_retry_after_header=True,
    )


def harden(client: Any, timeout: float, retries: int = 2, backoff: float = 0.5) -> Any:
    """Give an alpaca-py REST client (trading or data) a timeout and retries; returns it."""
    session = client._session  # the SDK's own requests session; it offers no other hook
    adapter = _TimeoutAdapter(timeout, retry_policy(retries, backoff))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return client
