"""The broker contract (:mod:`app.broker.base`) and Alpaca behind it (:mod:`app.broker.alpaca`,
imported only when used). The simulated paper broker is :mod:`app.execution.paper`, the one
backtests and paper runs share."""

from __future__ import annotations

from app.broker.base import Broker, BrokerError, BrokerUnavailable
from app.broker.models import BrokerAccount, BrokerOrder, BrokerPosition, MarketClock, OrderRequest

__all__ = [
    "Broker",
    "BrokerError",
    "BrokerUnavailable",
    "BrokerAccount",
    "BrokerOrder",
    "BrokerPosition",
    "MarketClock",
    "OrderRequest",
]
