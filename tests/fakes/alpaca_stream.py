"""A loopback fake of Alpaca's market-data websocket (the bar stream alpaca-py's
``StockDataStream`` and ``CryptoDataStream`` read), for driving the real SDK in tests.

A real websocket server on 127.0.0.1 (port 0), in a thread, speaking the wire protocol:
msgpack frames, ``[{"T": "success", "msg": "connected"}]`` on connect, the ``auth`` and
``subscribe`` actions answered as Alpaca answers them, then bars (``"T": "b"``) pushed by
the test with :meth:`FakeAlpacaStream.push`. :meth:`drop` closes the live connection the
way a network fault would; the SDK reconnects, authenticates and subscribes again, which
:attr:`connections` and :meth:`wait_connections` let a test see.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime
from typing import Any

import msgpack
import websockets

KEY_ID, SECRET = "FAKEKEYID0123", "FAKESECRET-do-not-store-4567"


class FakeAlpacaStream:
    def __init__(self) -> None:
        self.connections = 0
        self.subscribed: list[list[str]] = []
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._changed = threading.Condition()
        self._socket: Any = None
        self._by_symbol: dict[str, Any] = {}
        """The live connection that subscribed each symbol (a stock stream and a crypto
        stream are two connections)."""
        self._server: Any = None
        self._thread = threading.Thread(target=self._serve, daemon=True, name="fake-stream")
        self.port = 0

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def __enter__(self) -> FakeAlpacaStream:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        async def shut() -> None:
            self._server.close()
            await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(shut(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    # ----- what a test calls ---------------------------------------------------------------
    def push(
        self, symbol: str, at: datetime, o: float, h: float, low: float, c: float, v: float = 100.0
    ) -> None:
        """Send one bar (``at``: the bar's start, an aware datetime) to the live socket."""
        bar = {
            "T": "b",
            "S": symbol,
            "o": o,
            "h": h,
            "l": low,
            "c": c,
            "v": v,
            "t": msgpack.Timestamp.from_datetime(at),
            "n": 1,
            "vw": c,
        }
        self._send([bar], self._by_symbol.get(symbol))

    def drop(self) -> None:
        """Close the live connection from the server's side."""

        async def close() -> None:
            if self._socket is not None:
                await self._socket.close(code=1011, reason="fake network fault")

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)

    def wait_connections(self, n: int, timeout: float = 20.0) -> bool:
        """Block until ``n`` connections have authenticated and subscribed."""
        with self._changed:
            return self._changed.wait_for(
                lambda: self.connections >= n and len(self.subscribed) >= n, timeout
            )

    # ----- the server ----------------------------------------------------------------------
    def _send(self, frames: list[dict[str, Any]], socket: Any = None) -> None:
        async def send() -> None:
            await (socket or self._socket).send(msgpack.packb(frames, datetime=False))

        asyncio.run_coroutine_threadsafe(send(), self._loop).result(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            self._server = await websockets.serve(self._session, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]
            self._ready.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()

    async def _session(self, ws: Any, *_: Any) -> None:
        await ws.send(msgpack.packb([{"T": "success", "msg": "connected"}]))
        auth = msgpack.unpackb(await ws.recv())
        if auth.get("key") != KEY_ID or auth.get("secret") != SECRET:
            await ws.send(msgpack.packb([{"T": "error", "code": 402, "msg": "auth failed"}]))
            return
        await ws.send(msgpack.packb([{"T": "success", "msg": "authenticated"}]))
        sub = msgpack.unpackb(await ws.recv())
        bars = list(sub.get("bars", []))
        await ws.send(
            msgpack.packb([{"T": "subscription", "trades": [], "quotes": [], "bars": bars}])
        )
        with self._changed:
            self._socket = ws
            self._by_symbol.update(dict.fromkeys(bars, ws))
            self.connections += 1
            self.subscribed.append(bars)
            self._changed.notify_all()
        try:
            async for _ in ws:
                pass
        except websockets.ConnectionClosed:
            pass
