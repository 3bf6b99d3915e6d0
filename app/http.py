"""Timeouts and retries for alpaca-py's REST clients, in the HTTP layer.

alpaca-py's ``RESTClient`` sends through a ``requests.Session`` with no timeout, so a
silent server holds a call forever. Rather than running calls on threads and abandoning
the ones that overrun (the threads would still hang), :func:`harden` mounts a
``requests`` transport adapter on the client's session: every request gets a connect and
read timeout, and connection faults, read timeouts and 5xx answers are retried with
exponential backoff by urllib3's ``Retry``. Retrying an order submission is safe: each
carries a client order id, and Alpaca answers a repeat with 422, which the broker turns
into the existing order. 429s are left to the SDK's own retry.
"""

from __future__ import annotations

from typing import Any

from requests import PreparedRequest, Response
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

RETRY_STATUS = (500, 502, 503, 504)


class _TimeoutAdapter(HTTPAdapter):
    def __init__(self, timeout: float, retry: Retry) -> None:
        self.timeout = timeout
        super().__init__(max_retries=retry)

    def send(self, request: PreparedRequest, **kwargs: Any) -> Response:  # type: ignore[override]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def retry_policy(retries: int, backoff: float) -> Retry:
    return Retry(total=retries, connect=retries, read=retries, status=retries,
                 backoff_factor=backoff, status_forcelist=RETRY_STATUS,
                 allowed_methods=None, raise_on_status=False, respect_retry_after_header=True)


def harden(client: Any, timeout: float, retries: int = 2, backoff: float = 0.5) -> Any:
    """Give an alpaca-py REST client (trading or data) a timeout and retries; returns it."""
    session = client._session  # the SDK's own requests session; it offers no other hook
    adapter = _TimeoutAdapter(timeout, retry_policy(retries, backoff))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return client
