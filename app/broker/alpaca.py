"""Alpaca through alpaca-py's ``TradingClient``: the only module importing alpaca's
trading client.

Paper by default; live only when the caller says so (the CLI adds a typed confirmation).
Every request has a timeout and retries with backoff in the HTTP layer
(:mod:`app.http`); a call that still fails is reported as
:class:`BrokerUnavailable` -- for a submit the outcome is then unknown, and the runner
asks :meth:`get_order` by client order id later. 429s are retried by the SDK itself.

Alpaca answers a second order with a known client order id with HTTP 422; :meth:`submit`
then fetches and returns the existing order, which makes it idempotent.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar, cast
from collections.abc import Callable

from alpaca.common.exceptions import APIError
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import OrderSide, TimeInForce
from alpaca.trading.requests import MarketOrderRequest
from requests.exceptions import ConnectionError as RequestsConnectionError
from requests.exceptions import RequestException, Timeout

from app.errors import ParleyError
from app.broker.base import BrokerError, BrokerUnavailable
from app.http import harden
from app.broker.models import (
    BrokerAccount,
    BrokerOrder,
    BrokerPosition,
    MarketClock,
    OrderRequest,
    OrderState,
    Side,
)

T = TypeVar("T")
log = logging.getLogger(__name__)
_DUPLICATE = "client_order_id must be unique"
_STATE: dict[str, OrderState] = {
    "new": "new",
    "accepted": "accepted",
    "pending_new": "new",
    "accepted_for_bidding": "accepted",
    "partially_filled": "partially_filled",
    "filled": "filled",
    "done_for_day": "canceled",
    "canceled": "canceled",
    "expired": "expired",
    "replaced": "canceled",
    "pending_cancel": "accepted",
    "pending_replace": "accepted",
    "rejected": "rejected",
    "suspended": "rejected",
    "stopped": "accepted",
    "calculated": "accepted",
    "held": "accepted",
}


class AlpacaBroker:
    """The broker contract on an Alpaca paper or live account."""

    def __init__(
        self,
        key_id: str,
        secret_key: str,
        *,
        live: bool = False,
        url: str | None = None,
        timeout: float = 10.0,
        retries: int = 2,
        backoff: float = 1.0,
    ) -> None:
        """
        Args:
            key_id, secret_key: The account's keys (kept only inside the SDK client).
            live: Trade the live account. Paper unless this is True.
            url: Override the API's base URL (a proxy, or a test's loopback fake).
            timeout: Seconds a request may take (connect, and each read).
            retries: Extra attempts after a connection fault, a timeout or a 5xx.
            backoff: urllib3's backoff factor (seconds; doubling between attempts).
        """
        self.name = "alpaca-live" if live else "alpaca-paper"
        self.client = harden(
            TradingClient(key_id, secret_key, paper=not live, url_override=url),
            timeout,
            retries,
            backoff,
        )
        self.timeout, self.retries, self.backoff = timeout, retries, backoff

    @classmethod
    def from_settings(cls, settings: Any, live: bool = False, **kwargs: Any) -> AlpacaBroker:
        if not settings.alpaca_enabled:
            raise BrokerError("Alpaca needs APCA_API_KEY_ID and APCA_API_SECRET_KEY")
        return cls(
            settings.alpaca_key_id.get_secret_value(),
            settings.alpaca_secret_key.get_secret_value(),
            live=live,
            url=settings.alpaca_base_url,
            **kwargs,
        )

    def close(self) -> None:
        self.client._session.close()

    # ----------------------------------------------------------------- the contract
    def submit(self, req: OrderRequest) -> BrokerOrder:
        order = MarketOrderRequest(
            symbol=req.symbol,
            qty=req.qty,
            client_order_id=req.client_order_id,
            side=OrderSide.BUY if req.side == "buy" else OrderSide.SELL,
            time_in_force=TimeInForce.DAY if req.time_in_force == "day" else TimeInForce.GTC,
        )
        try:
            return _order(self._call(lambda: self.client.submit_order(order)))
        except APIError as err:
            if err.status_code == 422 and _DUPLICATE in str(err):
                known = self.get_order(req.client_order_id)
                if known is not None:
                    return known
            if err.status_code in (403, 422):
                return BrokerOrder(
                    client_order_id=req.client_order_id,
                    broker_id="",
                    symbol=req.symbol,
                    side=req.side,
                    qty=req.qty,
                    status="rejected",
                    note=_message(err),
                )
            raise BrokerError(f"Alpaca refused the order: {_message(err)}") from None

    def cancel(self, client_order_id: str) -> bool:
        known = self.get_order(client_order_id)
        if known is None or not known.is_open:
            return False
        try:
            self._call(lambda: self.client.cancel_order_by_id(known.broker_id))
        except APIError as err:
            if err.status_code in (404, 422):
                return False
            raise BrokerError(f"Alpaca refused the cancel: {_message(err)}") from None
        return True

    def get_order(self, client_order_id: str) -> BrokerOrder | None:
        try:
            return _order(self._call(lambda: self.client.get_order_by_client_id(client_order_id)))
        except APIError as err:
            if err.status_code == 404:
                return None
            raise BrokerError(f"Alpaca: {_message(err)}") from None

    def positions(self) -> list[BrokerPosition]:
        out = []
        for p in self._call(self.client.get_all_positions):
            qty = abs(float(p.qty)) * (-1 if str(p.side.value) == "short" else 1)
            out.append(
                BrokerPosition(symbol=p.symbol, qty=qty, avg_entry_price=float(p.avg_entry_price))
            )
        return out

    def account(self) -> BrokerAccount:
        a = self._call(self.client.get_account)
        return BrokerAccount(
            account_number=a.account_number,
            cash=float(a.cash or 0),
            equity=float(a.equity or 0),
            buying_power=float(a.buying_power or 0),
            pattern_day_trader=bool(a.pattern_day_trader),
            daytrade_count=a.daytrade_count,
            trading_blocked=bool(a.trading_blocked),
            margin=float(a.multiplier or 1) > 1,
        )

    def clock(self) -> MarketClock:
        c = self._call(self.client.get_clock)
        return MarketClock(
            timestamp=c.timestamp, is_open=c.is_open, next_open=c.next_open, next_close=c.next_close
        )

    # ----------------------------------------------------------------- faults
    def _call(self, fn: Callable[[], T]) -> T:
        """``fn()``; the HTTP layer has already retried what may pass."""
        tries = self.retries + 1
        try:
            return fn()
        except Timeout:
            problem = f"no answer from Alpaca within {self.timeout:g} s ({tries} tries)"
        except RequestsConnectionError as err:
            problem = (
                f"no answer from Alpaca within {self.timeout:g} s ({tries} tries)"
                if "timed out" in str(err).lower()
                else f"{err.message} ({tries} tries)"
                if isinstance(err, ParleyError)
                else f"cannot reach Alpaca ({tries} tries)"
            )
        except RequestException as err:
            problem = f"cannot reach Alpaca ({type(err).__name__})"
        except APIError as err:
            if err.status_code == 401:
                raise BrokerError(
                    f"Alpaca refused the keys ({err.status_code}: {_message(err)})",
                    "check APCA_API_KEY_ID and APCA_API_SECRET_KEY: live keys for "
                    "--live, paper keys otherwise",
                ) from None
            if (err.status_code or 0) < 500 and err.status_code != 429:
                raise
            problem = f"Alpaca answered {err.status_code}: {_message(err)}"
        log.warning("alpaca call failed: %s", problem)
        raise BrokerUnavailable(problem)


def _order(o: Any) -> BrokerOrder:
    status = o.status.value if hasattr(o.status, "value") else str(o.status)
    side = cast(Side, o.side.value if hasattr(o.side, "value") else str(o.side))  # validated
    price = o.filled_avg_price
    return BrokerOrder(
        client_order_id=o.client_order_id,
        broker_id=str(o.id),
        symbol=o.symbol,
        side=side,
        qty=float(o.qty or 0),
        status=_STATE.get(status, "accepted"),
        filled_qty=float(o.filled_qty or 0),
        filled_avg_price=None if price in (None, "") else float(price),
    )


def _message(err: APIError) -> str:
    try:
        return str(err.message)
    except Exception:  # the body was not JSON
        return str(err)[:200]
