"""Keys, chat commands and the language at a glance."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from app.tui.runs import DEFAULT_SPEED

HELP_TEXT = """\
# Parley

Describe a strategy in plain English; Parley compiles it into the strategy language,
reads it back in plain English, backtests it, and runs it on the replay feed (paper,
simulated broker) while you watch every decision.

## Screens and global keys
| key | does |
|---|---|
| F2 | **Chat**: describe and revise a strategy in English |
| F3 | **Library**: the specs in the strategies folder, with their status |
| F4 | **Editor**: edit a spec, checked as you type |
| F5 | **Backtest**: the last backtest: curves, metrics, trades, decisions |
| F6 | **Monitor**: every run, live; pause, resume, stop, flatten, kill switch |
| ctrl+p | the command palette: every command, searchable |
| F1 | this help |
| ctrl+t | switch between the light and the dark theme |
| ctrl+q | quit |

## Chat
| command | key | does |
|---|---|---|
| /save [name] | ctrl+s | write strategies/NAME.strategy (asks before overwriting) |
| /new | ctrl+n | start a new conversation (the old one stays saved) |
| /edit | ctrl+o | open the current spec in the editor |
| /backtest | ctrl+b | backtest the current spec on the bundled data |
| /run [bars a second] | ctrl+r | run it detached on the replay feed, paper (simulated broker): {speed} bars a second unless you give a number; /run max for full speed |
| /help | F1 | this help |

The conversation is kept: the next start resumes it.

## Library
| key | does |
|---|---|
| enter | open the selected spec in the editor |
| n | a new spec |
| c | revise the selected spec in the chat |
| b | backtest the selected spec |
| r | check the folder again |

## Editor
| key | does |
|---|---|
| ctrl+s | save; only a valid spec (otherwise it offers a draft) |
| ctrl+o | save as a draft, NAME.strategy.draft: never run, never checked by parley check |
| ctrl+f | format: canonical statements, your comments kept |
| ctrl+l | explain: show or hide the plain-English read-back |
| ctrl+g | revise in chat: carry this spec into the conversation |
| ctrl+b | backtest this spec (when valid) |
| F8 | jump to the next problem (or pick one in the list) |

Problems are underlined in the text and listed below it as line:column and message.

## Backtest
A progress bar while it runs; then the equity curve beside buy-and-hold (a log scale when
they span more than tenfold), the drawdown, the metrics of both, and the closed trades.
Move through the trades (up and down): the panel shows the decision that opened each one:
the rule, the regime, each agent's opinion, the bull/bear debate, the risk verdict,
conviction and size.

| key | does |
|---|---|
| r | rerun the same spec |
| e | evaluate it (the Evaluate tab): each layer over walk-forward folds against rules only and a seeded random null, a verdict each, and a look-ahead audit, as `parley evaluate` |
| s | sweep it (the Sweep tab): every variant of its `param` lines, walk-forward, with the overfitting guards and a verdict, as `parley sweep` |
| ctrl+o | open the spec in the editor |
| ctrl+r | run it on the replay feed |

## Monitor
Every run, newest first: status, bars, regime, open positions, P&L (open positions marked
at the last bar's close; * when only closed trades count), orders and fills, tripped
limits. Below, the selected run's positions, orders, fills, trades and events, and its
decision log with each decision's opinions and debate. Runs live in their own processes:
closing Parley does not stop them; the monitor reads the database twice a second.

| key | does |
|---|---|
| p | pause the run's entries (exits still run) |
| r | resume entries, or restart a stopped run where it left off |
| s | stop the run after its current bar (asks first) |
| f | flatten: close every position, then pause (asks first) |
| K | kill switch: stop every run now, positions left as they are (type KILL to confirm) |
| F | flatten and stop: close every run's positions at the next bar's open, then stop each run once flat (type FLATTEN to confirm) |

## The language, in one example
```
strategy "Golden cross"
universe GOOG, NVDA
timeframe 1d
long when sma(close, 50) crosses above sma(close, 200) and rsi(close, 14) < 70
exit when sma(close, 50) crosses below sma(close, 200)
stop loss 2 atr(14)
size risk 1% of equity
```
"""
HELP = HELP_TEXT.replace("{speed}", DEFAULT_SPEED)


class HelpScreen(ModalScreen[None]):
    """Press Escape, F1 or q to close."""

    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Markdown(HELP)
