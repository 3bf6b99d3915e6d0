"""Backtest: a spec over the bundled data, run in a thread worker with a progress bar; the
equity curve beside buy-and-hold and the drawdown plotted in the terminal, the metrics, the
trade list, and each trade's entry decision (rule, regime, opinions, debate, risk, size).
The Evaluate tab (e) runs ``parley evaluate`` on the same spec: each layer against rules
only and a random null, with a verdict each; the Sweep tab (s) runs ``parley sweep`` on its
``param`` lines (see :mod:`app.tui.screens.analyses`)."""

from __future__ import annotations

import numpy as np
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import DataTable, Label, ProgressBar, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from app.tui.backtests import BacktestOutcome
from app.tui.decisions import when
from app.tui.messages import BacktestDone, BacktestProgress, OpenSpec, RunRequested
from app.tui.screens.analyses import AnalysisScreen, one_line
from app.tui.services import Services
from app.tui.widgets.decision_view import DecisionView
from app.tui.widgets.evaluation_view import EvaluationView
from app.tui.widgets.line_chart import LineChart, Series
from app.tui.widgets.metrics_panel import MetricsPanel
from app.tui.widgets.parley_footer import ParleyFooter
from app.tui.widgets.status_line import StatusLine
from app.tui.widgets.sweep_view import SweepView
from app.tui.widgets.trade_table import TradeTable

STRATEGY, HOLD, DRAWDOWN = "$text-primary", "$text-warning", "$text-error"
NOTHING_YET = (
    "No backtest yet. Type /backtest in the chat (F2), press b on a spec in the "
    "library (F3) or ctrl+b in the editor (F4)."
)


class BacktestScreen(AnalysisScreen):
    """Shows one backtest at a time; a new request replaces (and cancels) the last."""

    BINDINGS = [
        Binding("r", "rerun", "Rerun"),
        Binding("e", "evaluate", "Evaluate"),
        Binding("s", "sweep", "Sweep"),
        Binding("ctrl+o", "edit", "Edit spec"),
        Binding("ctrl+r", "run", "Run"),
    ]

    def __init__(self, services: Services) -> None:
        super().__init__(services)
        self.outcome: BacktestOutcome | None = None
        self.request: tuple[str, str] | None = None
        """The spec text and source of the backtest shown or running."""

    def compose(self) -> ComposeResult:
        yield StatusLine("Backtest", self.services.modes, id="status")
        with Horizontal(id="bt-running"):
            yield Label("", id="bt-phase", markup=False)
            yield ProgressBar(total=1.0, show_eta=False, id="bt-progress")
        with TabbedContent(id="bt-tabs"):
            with TabPane("Backtest", id="tab-backtest"):
                yield from self._backtest_body()
            with TabPane("Evaluate", id="tab-evaluate"):
                yield EvaluationView(id="evaluation")
            with TabPane("Sweep", id="tab-sweep"):
                yield SweepView(id="sweep")
        yield ParleyFooter()

    def _backtest_body(self) -> ComposeResult:
        with Horizontal(id="backtest-body"):
            with Vertical(id="bt-left"):
                yield LineChart(NOTHING_YET, id="equity")
                yield LineChart(id="drawdown")
                yield TradeTable(id="trades")
            with Vertical(id="bt-right"):
                yield MetricsPanel(id="metrics")
                with VerticalScroll(id="decision-scroll"):
                    yield DecisionView(id="decision")

    def on_mount(self) -> None:
        self.query_one("#equity").border_title = "Equity"
        self.query_one("#drawdown").border_title = "Drawdown"
        self.query_one("#trades").border_title = "Trades"
        self.query_one("#metrics").border_title = "Metrics"
        self.query_one("#decision-scroll").border_title = "Entry decision"

    # -- running --------------------------------------------------------------------------

    def start(self, spec_text: str, source: str) -> None:
        """Backtest this spec now (an earlier backtest still running is dropped); the last
        one's results go at once, so they are never shown as this one's."""
        if self.request is not None and self.request != (spec_text, source):
            self.forget_analyses(_name_in(spec_text) or "this spec")
        self.request = (spec_text, source)
        self.query_one(TabbedContent).active = "tab-backtest"
        self.clear_outcome(f"Backtesting {_name_in(spec_text) or 'the spec'} from {source}…")
        self.query_one("#bt-running").set_class(True, "-running")
        self.query_one("#bt-phase", Label).update("Starting…")
        self.query_one(ProgressBar).update(total=1.0, progress=0.0)
        self.query_one(StatusLine).detail = f"running · {source}"
        self.run_backtest(spec_text, source)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="backtest",
        description="Backtesting",
    )
    def run_backtest(self, spec_text: str, source: str) -> None:
        worker = get_current_worker()

        def progress(fraction: float, phase: str) -> None:
            if not worker.is_cancelled:
                self.post_message(BacktestProgress(fraction, phase))

        outcome = self.services.backtests.run(spec_text, source, progress)
        if not worker.is_cancelled:
            self.post_message(BacktestDone(outcome))

    @on(BacktestProgress)
    def _progress(self, event: BacktestProgress) -> None:
        """The measured fraction, as a percentage (loading the data is the first
        :data:`~app.tui.backtests.LOAD_SHARE` of it), never an indeterminate "--%"."""
        self.query_one(ProgressBar).update(total=1.0, progress=max(0.0, min(1.0, event.fraction)))
        self.query_one("#bt-phase", Label).update(event.phase[:1].upper() + event.phase[1:] + "…")

    @on(BacktestDone)
    def _done(self, event: BacktestDone) -> None:
        self.stop_progress()
        self.show_outcome(event.outcome)

    @on(Worker.StateChanged)
    def _stopped(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "backtest" and event.state in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            self.stop_progress()
            if event.state == WorkerState.ERROR:
                source = self.request[1] if self.request else "the spec"
                self.query_one(StatusLine).detail = f"failed · {source}"
                why = one_line(event.worker.error)
                self.clear_outcome(
                    f"The backtest of {source} failed: {why}\nFix the spec or "
                    "the data, then press r to run it again."
                )

    # -- showing --------------------------------------------------------------------------

    def clear_outcome(self, note: str) -> None:
        """Show no results, only ``note`` where the equity curve goes."""
        self.outcome = None
        equity = self.query_one("#equity", LineChart)
        equity.placeholder = note
        equity.clear()
        equity.border_title = "Equity"
        drawdown = self.query_one("#drawdown", LineChart)
        drawdown.clear()
        drawdown.border_title = "Drawdown"
        self.query_one(MetricsPanel).clear("")
        trades = self.query_one(TradeTable)
        trades.reset()
        trades.border_title = "Trades"
        self.query_one(DecisionView).show(None, "")
        self.query_one("#decision-scroll").border_title = "Entry decision"

    def show_outcome(self, outcome: BacktestOutcome) -> None:
        self.outcome = outcome
        r = outcome.result
        data = "" if outcome.data == "bundled data" else f" · {outcome.data}"
        zone = "" if r.timezone == "America/New_York" else f" · times {r.timezone}"
        self.query_one(
            StatusLine
        ).detail = f'"{r.name}" · {when(r.start.value)} to {when(r.end.value)}{data}{zone}'
        span = (when(r.start.value), when(r.end.value))
        curves = [r.buy_and_hold.to_numpy(), r.equity.to_numpy()]
        log = _wide(curves)
        equity = self.query_one("#equity", LineChart)
        equity.plot([Series(curves[0], HOLD), Series(curves[1], STRATEGY)], span, log=log)
        equity.border_title = Content.assemble(
            "Equity" + (" (log scale) " if log else " "),
            ("━ strategy", STRATEGY),
            " ",
            ("━ buy & hold", HOLD),
        )
        drawdown = self.query_one("#drawdown", LineChart)
        drawdown.plot(
            [Series(r.drawdown_pct.to_numpy(), DRAWDOWN, fill=True)], span, lambda v: f"{v:.1f}%"
        )
        drawdown.border_title = f"Drawdown · max {r.metrics['max_drawdown_pct']:.1f}%"
        self.query_one(MetricsPanel).show(r.metrics, r.buy_and_hold_metrics)
        trades = self.query_one(TradeTable)
        trades.show(outcome.trade_rows)
        open_ = len(r.open_positions)
        trades.border_title = f"Trades · {len(r.trades)} closed" + (
            f", {open_} open" if open_ else ""
        )
        self._show_decision(0 if r.trades else None)

    @on(DataTable.RowHighlighted, "#trades")
    def _trade_highlighted(self) -> None:
        self._show_decision(self.query_one(TradeTable).selected_index)

    def _show_decision(self, index: int | None) -> None:
        view = self.query_one(DecisionView)
        scroll = self.query_one("#decision-scroll")
        if self.outcome is None or index is None or index >= len(self.outcome.entries):
            view.show(None, "No closed trades: nothing to explain." if self.outcome else "")
            scroll.border_title = "Entry decision"
            return
        trade = self.outcome.result.trades[index]
        scroll.border_title = Content(
            f"Entry decision · trade {index + 1}: {trade.symbol} {trade.side} "
            f"{trade.qty:,.6g} @ {trade.entry_price:,.2f} → {trade.exit_price:,.2f}"
        )
        view.show(
            self.outcome.entries[index], "No decision record for this trade.", self.outcome.rules
        )
        scroll.scroll_home(animate=False)

    # -- actions --------------------------------------------------------------------------

    def action_rerun(self) -> None:
        if self.request is None:
            self.notify(NOTHING_YET, severity="warning")
            return
        self.start(*self.request)

    def action_edit(self) -> None:
        if self.request is not None:
            self.post_message(OpenSpec(None, text=self.request[0]))

    def action_run(self) -> None:
        if self.request is not None:
            self.post_message(RunRequested(self.request[0], self.request[1]))

    def palette_commands(self) -> list[tuple[str, str, str]]:
        return [
            ("Rerun backtest", "Backtest the same spec again", "rerun"),
            (
                "Evaluate",
                (
                    "Does each layer help? Walk-forward folds against rules only "
                    "and a random null (parley evaluate)"
                ),
                "evaluate",
            ),
            (
                "Sweep",
                (
                    "Search the spec's param lines, walk-forward, with the "
                    "overfitting guards (parley sweep)"
                ),
                "sweep",
            ),
            ("Open spec in editor", "Edit the backtested spec", "edit"),
            ("Run this spec", "Start it on the replay feed (paper)", "run"),
        ]


def _name_in(spec_text: str) -> str:
    """The quoted name on a spec's ``strategy`` line ('' when there is none)."""
    for line in spec_text.splitlines():
        if line.strip().startswith("strategy "):
            return line.strip()[len("strategy ") :].strip()
    return ""


def _wide(curves: list[np.ndarray]) -> bool:
    """A log scale when the curves span more than tenfold (and stay positive)."""
    low = min(float(c.min()) for c in curves)
    high = max(float(c.max()) for c in curves)
    return low > 0 and high / low > 10
