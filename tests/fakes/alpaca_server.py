"""A loopback fake of Alpaca's trading and market data APIs, for driving alpaca-py's real
``TradingClient`` and ``StockHistoricalDataClient`` in tests.

A real HTTP server on 127.0.0.1 (port 0) in a thread. It speaks the wire format the SDK
parses and keeps a small account: orders by client order id (a second order with a known
id gets the API's 422 ``client_order_id must be unique``), positions built from fills,
cash. Faults are scripted per request:

    with FakeAlpaca() as fake:
        client = TradingClient("key", "secret", url_override=fake.base_url)
        fake.script("POST /v2/orders", Fault(status=500, then_apply=True))

``Fault(status=...)`` answers with an API error (``status=0`` lets one request through); ``then_apply=True`` makes the request take
effect first (the order is placed, the answer is lost); ``hang=True`` holds the answer until
:meth:`FakeAlpaca.release` (a timeout). Fill behaviour: ``fill="now"`` fills market orders
at once at ``prices[symbol]``; ``"partial"`` fills ``partial_ratio`` of them and leaves the
rest open; ``"hold"`` leaves them accepted until :meth:`fill_open_orders`; ``rejects``
names symbols whose orders are refused (403, as Alpaca does for e.g. insufficient power).

Market data: ``bars[symbol]`` frames (wall-clock New York times for stocks, UTC for
crypto pairs such as ``BTC/USD``) are served by ``/v2/stocks/bars`` and
``/v1beta3/crypto/us/bars``, filtered by ``start``/``end``; ``queries`` records the query
parameters of every request. News: ``news`` items (``headline``, ``created_at`` as a UTC
``datetime``, ``symbols``, optional ``source``/``summary``) are served by ``/v1beta1/news``,
filtered by ``symbols``/``start``/``end``, newest first, ``limit`` per page with a
``next_page_token`` (the SDK follows it). Assets: ``assets`` (symbol -> class) are served
by ``/v2/assets``, filtered by ``asset_class``.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, UTC
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pandas as pd

KEY_ID, SECRET = "FAKEKEYID0123", "FAKESECRET-do-not-store-4567"


@dataclass
class Fault:
    status: int = 500
    then_apply: bool = False
    hang: bool = False


@dataclass
class FakeOrder:
    id: str
    client_order_id: str
    symbol: str
    side: str
    qty: float
    status: str = "accepted"
    filled_qty: float = 0.0
    filled_avg_price: float | None = None
    created: str = field(default_factory=lambda: _now())

    def json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "client_order_id": self.client_order_id,
            "created_at": self.created,
            "updated_at": _now(),
            "submitted_at": self.created,
            "filled_at": _now() if self.status == "filled" else None,
            "asset_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, self.symbol)),
            "symbol": self.symbol,
            "asset_class": "us_equity",
            "qty": f"{self.qty:g}",
            "filled_qty": f"{self.filled_qty:g}",
            "filled_avg_price": None
            if self.filled_avg_price is None
            else f"{self.filled_avg_price:g}",
            "order_class": "simple",
            "order_type": "market",
            "type": "market",
            "side": self.side,
            "time_in_force": "day",
            "status": self.status,
            "extended_hours": False,
        }


class FakeAlpaca:
    """The fake server and its account state (thread-safe)."""

    def __init__(self, cash: float = 100_000.0, fill: str = "now") -> None:
        self.cash = cash
        self.fill = fill
        self.partial_ratio = 0.5
        self.prices: dict[str, float] = {}
        self.rejects: set[str] = set()
        self.orders: dict[str, FakeOrder] = {}
        self.positions: dict[str, tuple[float, float]] = {}
        """symbol -> (signed qty, average entry price)."""
        self.bars: dict[str, pd.DataFrame] = {}
        self.news: list[dict[str, Any]] = []
        self.assets: dict[str, str] = {}
        """symbol -> asset class (``us_equity``, ``crypto``), served by ``/v2/assets``."""
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.queries: list[tuple[str, dict[str, str]]] = []
        """(path, query parameters) of every request, in arrival order."""
        self.submits: list[str] = []
        """Client order ids of every POST /v2/orders that was accepted (duplicates excluded)."""
        self.multiplier = 2
        """``GET /v2/account``'s multiplier: 1 is a cash account, 2 or 4 a margin one."""
        self.is_open = True
        self.next_open = "2030-01-02T14:30:00Z"
        self.next_close = "2030-01-02T21:00:00Z"
        """What ``GET /v2/clock`` answers (set all three to script the market's hours)."""
        self._faults: dict[str, list[Fault]] = {}
        self._lock = threading.RLock()
        self._release = threading.Event()
        self.hanging = threading.Semaphore(0)
        """Released once each time a request starts hanging (tests wait on it)."""
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeAlpaca:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()

    # ----------------------------------------------------------------- scripting
    def script(self, route: str, *faults: Fault) -> None:
        """Answer the next requests to ``route`` ("POST /v2/orders") with these faults."""
        with self._lock:
            self._faults.setdefault(route, []).extend(faults)

    def release(self) -> None:
        self._release.set()

    def fill_open_orders(self) -> None:
        with self._lock:
            for o in self.orders.values():
                if o.status in ("accepted", "new", "partially_filled"):
                    self._execute(o, o.qty - o.filled_qty)

    def position_qty(self, symbol: str) -> float:
        return self.positions.get(symbol, (0.0, 0.0))[0]

    # ----------------------------------------------------------------- the account
    def place(self, body: dict[str, Any]) -> tuple[int, Any]:
        coid = body.get("client_order_id") or uuid.uuid4().hex
        with self._lock:
            if coid in self.orders:
                return 422, {"code": 40010001, "message": "client_order_id must be unique"}
            symbol = body["symbol"]
            if symbol in self.rejects:
                return 403, {"code": 40310000, "message": "insufficient buying power"}
            order = FakeOrder(str(uuid.uuid4()), coid, symbol, body["side"], float(body["qty"]))
            self.orders[coid] = order
            self.submits.append(coid)
            if self.fill == "now":
                self._execute(order, order.qty)
            elif self.fill == "partial":
                self._execute(order, max(1.0, float(int(order.qty * self.partial_ratio))))
            return 200, order.json()

    def _execute(self, order: FakeOrder, qty: float) -> None:
        qty = min(qty, order.qty - order.filled_qty)
        if qty <= 0:
            return
        price = self.prices.get(order.symbol, 100.0)
        done = order.filled_qty
        order.filled_avg_price = (
            price
            if done == 0
            else (done * (order.filled_avg_price or price) + qty * price) / (done + qty)
        )
        order.filled_qty = done + qty
        order.status = "filled" if order.filled_qty >= order.qty else "partially_filled"
        sign = 1 if order.side == "buy" else -1
        held, avg = self.positions.get(order.symbol, (0.0, 0.0))
        new = held + sign * qty
        if abs(new) < 1e-12:
            self.positions.pop(order.symbol, None)
        else:
            grows = held == 0 or (held > 0) == (sign > 0)
            avg = (abs(held) * avg + qty * price) / abs(new) if grows else avg
            self.positions[order.symbol] = (new, avg)
        self.cash -= sign * qty * price

    def cancel(self, order_id: str) -> tuple[int, Any]:
        with self._lock:
            for o in self.orders.values():
                if o.id == order_id:
                    if o.status in ("filled", "canceled", "rejected"):
                        return 422, {"code": 42210000, "message": f"order is already {o.status}"}
                    o.status = "canceled"
                    return 204, None
        return 404, {"code": 40410000, "message": "order not found"}

    def account(self) -> dict[str, Any]:
        with self._lock:
            value = sum(q * self.prices.get(s, p) for s, (q, p) in self.positions.items())
        return {
            "id": str(uuid.uuid4()),
            "account_number": "PA3FAKE0001",
            "status": "ACTIVE",
            "currency": "USD",
            "cash": f"{self.cash:.2f}",
            "equity": f"{self.cash + value:.2f}",
            "portfolio_value": f"{self.cash + value:.2f}",
            "buying_power": f"{self.cash:.2f}",
            "pattern_day_trader": False,
            "daytrade_count": 0,
            "trading_blocked": False,
            "multiplier": str(self.multiplier),
        }

    def positions_json(self) -> list[dict[str, Any]]:
        with self._lock:
            return [
                {
                    "asset_id": str(uuid.uuid5(uuid.NAMESPACE_DNS, s)),
                    "symbol": s,
                    "exchange": "NASDAQ",
                    "asset_class": "us_equity",
                    "avg_entry_price": f"{p:g}",
                    "qty": f"{abs(q):g}",
                    "side": "long" if q > 0 else "short",
                    "cost_basis": f"{abs(q) * p:g}",
                    "market_value": f"{q * self.prices.get(s, p):g}",
                }
                for s, (q, p) in self.positions.items()
            ]

    def clock(self) -> dict[str, Any]:
        return {
            "timestamp": _now(),
            "is_open": self.is_open,
            "next_open": self.next_open,
            "next_close": self.next_close,
        }

    def stock_bars(self, query: dict[str, str]) -> dict[str, Any]:
        return self._bars(query, "America/New_York")

    def crypto_bars(self, query: dict[str, str]) -> dict[str, Any]:
        """Crypto bars (``BTC/USD``): ``bars`` frames of crypto pairs hold UTC times."""
        return self._bars(query, "UTC")

    def _bars(self, query: dict[str, str], zone: str) -> dict[str, Any]:
        start = pd.Timestamp(query["start"]) if "start" in query else None
        end = pd.Timestamp(query["end"]) if "end" in query else None
        out: dict[str, list[dict[str, Any]]] = {}
        for symbol in query.get("symbols", "").split(","):
            frame = self.bars.get(symbol)
            if frame is None:
                continue
            rows = []
            for t, r in frame.iterrows():
                ts = pd.Timestamp(t).tz_localize(zone).tz_convert("UTC")
                if (start is not None and ts < start) or (end is not None and ts > end):
                    continue
                rows.append(
                    {
                        "t": ts.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "o": r["open"],
                        "h": r["high"],
                        "l": r["low"],
                        "c": r["close"],
                        "v": r["volume"],
                        "n": 1,
                        "vw": r["close"],
                    }
                )
            out[symbol] = rows
        return {"bars": out, "next_page_token": None}

    def news_page(self, query: dict[str, str]) -> dict[str, Any]:
        """One page of ``/v1beta1/news`` as Alpaca sends it."""
        start = pd.Timestamp(query["start"]) if "start" in query else None
        end = pd.Timestamp(query["end"]) if "end" in query else None
        wanted = {s for s in query.get("symbols", "").split(",") if s}
        items = []
        for n in sorted(self.news, key=lambda n: n["created_at"], reverse=True):
            ts = pd.Timestamp(n["created_at"])
            if (start is not None and ts < start) or (end is not None and ts > end):
                continue
            if wanted and not wanted.intersection(n.get("symbols", ())):
                continue
            items.append(n)
        first = int(query.get("page_token") or 0)
        limit = int(query.get("limit") or 50)
        page = items[first : first + limit]
        token = str(first + limit) if first + limit < len(items) else None
        return {
            "news": [_news_json(i, n) for i, n in enumerate(page, start=first)],
            "next_page_token": token,
        }

    # ----------------------------------------------------------------- dispatch
    def take_fault(self, route: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get(route)
            return queue.pop(0) if queue else None

    def wait_released(self) -> None:
        self.hanging.release()
        self._release.wait()


def _handler(fake: FakeAlpaca) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True
        wbufsize = 1 << 16

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def _serve(self, method: str) -> None:
            url = urlparse(self.path)
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else {}
            fake.requests.append((method, url.path, dict(self.headers)))
            fake.queries.append((url.path, query))
            if (
                self.headers.get("APCA-API-KEY-ID") != KEY_ID
                or self.headers.get("APCA-API-SECRET-KEY") != SECRET
            ):
                return self._send(401, {"code": 40110000, "message": "request is not authorized"})
            route = f"{method} {url.path}"
            fault = fake.take_fault(route)
            if fault is not None and fault.status == 0 and not fault.hang:
                fault = None  # a scripted pass: this request goes through untouched
            if fault is not None and fault.hang:
                fake.wait_released()
                return self._send(504, {"code": 50400000, "message": "gateway timeout"})
            if fault is not None and not fault.then_apply:
                return self._send(
                    fault.status, {"code": fault.status * 100000, "message": "scripted fault"}
                )
            status, payload = self._route(method, url.path, query, body)
            if fault is not None:
                status, payload = (
                    fault.status,
                    {"code": fault.status * 100000, "message": "scripted fault after applying"},
                )
            self._send(status, payload)

        def _route(
            self, method: str, path: str, query: dict[str, str], body: dict[str, Any]
        ) -> tuple[int, Any]:
            if path == "/v2/account":
                return 200, fake.account()
            if path == "/v2/clock":
                return 200, fake.clock()
            if path == "/v2/positions":
                return 200, fake.positions_json()
            if path == "/v2/orders" and method == "POST":
                return fake.place(body)
            if path == "/v2/orders:by_client_order_id":
                order = fake.orders.get(query.get("client_order_id", ""))
                if order is None:
                    return 404, {"code": 40410000, "message": "order not found"}
                return 200, order.json()
            if path.startswith("/v2/orders/") and method == "DELETE":
                return fake.cancel(path.rsplit("/", 1)[1])
            if path == "/v2/stocks/bars":
                return 200, fake.stock_bars(query)
            if path == "/v1beta3/crypto/us/bars":
                return 200, fake.crypto_bars(query)
            if path == "/v1beta1/news":
                return 200, fake.news_page(query)
            if path == "/v2/assets":
                return 200, [
                    _asset_json(sym, kind)
                    for sym, kind in fake.assets.items()
                    if query.get("asset_class", kind) == kind
                ]
            return 404, {"code": 40400000, "message": f"no route {method} {path}"}

        def _send(self, status: int, payload: Any) -> None:
            data = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def _news_json(i: int, n: dict[str, Any]) -> dict[str, Any]:
    stamp = pd.Timestamp(n["created_at"]).tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "id": 1000 + i,
        "headline": n["headline"],
        "source": n.get("source", "benzinga"),
        "url": None,
        "summary": n.get("summary", ""),
        "created_at": stamp,
        "updated_at": stamp,
        "symbols": list(n.get("symbols", ())),
        "author": "",
        "content": "",
        "images": [],
    }


def _asset_json(symbol: str, kind: str) -> dict[str, Any]:
    """One entry of ``GET /v2/assets`` as Alpaca sends it."""
    return {
        "id": str(uuid.uuid5(uuid.NAMESPACE_DNS, symbol)),
        "class": kind,
        "exchange": "CRYPTO" if kind == "crypto" else "NASDAQ",
        "symbol": symbol,
        "name": symbol,
        "status": "active",
        "tradable": True,
        "marginable": kind != "crypto",
        "shortable": kind != "crypto",
        "easy_to_borrow": kind != "crypto",
        "fractionable": True,
        "attributes": [],
    }


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
