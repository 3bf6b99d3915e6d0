"""Brokers behind one contract (:mod:`app.broker.base`): the simulated paper broker
(:mod:`app.broker.paper`) and Alpaca (:mod:`app.broker.alpaca`, imported only when used)."""

from __future__ import annotations

from app.broker.base import Broker, BrokerError, BrokerUnavailable
from app.broker.models import BrokerAccount, BrokerOrder, BrokerPosition, MarketClock, OrderRequest

__all__ = ["Broker", "BrokerError", "BrokerUnavailable", "BrokerAccount", "BrokerOrder",
           "BrokerPosition", "MarketClock", "OrderRequest"]
