"""The one broker contract. A venue adapter implements this table, nothing more.

=====================================  ==========================================================
method                                 contract
=====================================  ==========================================================
``submit(req) -> BrokerOrder``         Place a market order under ``req.client_order_id``.
                                       **Idempotent**: an id the broker already has returns
                                       that order (Alpaca's 422 duplicate is fetched), never a
                                       second one. A venue refusal comes back as an order
                                       with ``status="rejected"`` and a ``note``, not an
                                       exception.
``cancel(client_order_id) -> bool``    Cancel an open order; False when unknown or done.
``get_order(client_order_id)``         The order, or None when the broker never saw the id
                                       (the answer a restarted run reconciles with).
``positions() -> list``                Open positions, signed quantities.
``account() -> BrokerAccount``         Cash, equity, pattern-day-trader flags.
``clock() -> MarketClock``             Whether the market is open now, next open/close.
=====================================  ==========================================================

Errors: :class:`BrokerUnavailable` for faults that may pass (5xx, rate limits, timeouts,
a dropped connection): the caller retries later and, for a submit, asks ``get_order``
whether it went through. :class:`BrokerError` for anything else.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from app.broker.models import BrokerAccount, BrokerOrder, BrokerPosition, MarketClock, OrderRequest
from app.errors import ParleyError


class BrokerError(ParleyError):
    """The broker refused a request in a way retrying will not fix (bad keys, bad symbol)."""


class BrokerUnavailable(BrokerError):
    """A fault that may pass: server error, rate limit, timeout, lost connection."""


@runtime_checkable
class Broker(Protocol):
    """See the module docstring for the method table."""

    name: str
    """``sim``, ``alpaca-paper`` or ``alpaca-live``."""

    def submit(self, req: OrderRequest) -> BrokerOrder: ...

    def cancel(self, client_order_id: str) -> bool: ...

    def get_order(self, client_order_id: str) -> BrokerOrder | None: ...

    def positions(self) -> list[BrokerPosition]: ...

    def account(self) -> BrokerAccount: ...

    def clock(self) -> MarketClock: ...
