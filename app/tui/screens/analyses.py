"""The backtest view's other tabs: Evaluate (``parley evaluate``) and Sweep (``parley
sweep``) of the backtested spec, each run in a thread worker with the screen's progress bar.

The base of :class:`~app.tui.screens.backtest.BacktestScreen`, which composes the tabs and
the progress bar and sets ``request`` (the spec text and where it came from).
"""

from __future__ import annotations

from dataclasses import dataclass
from textual import on, work
from textual.widgets import Label, ProgressBar, TabbedContent
from textual.worker import Worker, WorkerState, get_current_worker

from app.tui.messages import AnalysisDone, BacktestProgress
from app.tui.screens.base import ParleyScreen
from app.tui.widgets.evaluation_view import EvaluationView
from app.tui.widgets.sweep_view import SweepView


@dataclass(frozen=True)
class Analysis:
    """One tab: its pane, its view, the service method and the words for it."""

    tab: str
    view: type
    method: str
    doing: str
    key: str


ANALYSES = {
    "evaluate": Analysis("tab-evaluate", EvaluationView, "evaluate", "Evaluating", "e"),
    "sweep": Analysis("tab-sweep", SweepView, "sweep", "Sweeping", "s"),
}


class AnalysisScreen(ParleyScreen):
    """``action_evaluate`` and ``action_sweep`` for the backtest screen."""

    request: tuple[str, str] | None = None

    def action_evaluate(self) -> None:
        """Does each layer help? The Evaluate tab (``parley evaluate``)."""
        self.analyse(
            "evaluate",
            f"every layer over walk-forward folds, {self.services.backtests.draws} null draws each",
        )

    def action_sweep(self) -> None:
        """The spec's parameters searched, with the overfitting guards (``parley sweep``)."""
        self.analyse("sweep", "every variant of its parameters, walk-forward")

    def analyse(self, kind: str, what: str) -> None:
        a = ANALYSES[kind]
        if self.request is None:
            self.notify(
                "Backtest a spec first (/backtest in the chat, b in the library), "
                f"then press {a.key}.",
                severity="warning",
            )
            return
        spec_text, source = self.request
        self.query_one(TabbedContent).active = a.tab
        self.query_one(a.view).clear(f"{a.doing} the spec from {source}: {what}…")
        self.query_one("#bt-running").set_class(True, "-running")
        self.query_one("#bt-phase", Label).update(f"{a.doing}…")
        self.query_one(ProgressBar).update(total=1.0, progress=0.0)
        self.run_analysis(kind, spec_text, source)

    @work(thread=True, exit_on_error=False, group="analysis", description="Analysing")
    def run_analysis(self, kind: str, spec_text: str, source: str) -> None:
        worker = get_current_worker()

        def progress(fraction: float, phase: str) -> None:
            if not worker.is_cancelled:
                self.post_message(BacktestProgress(fraction, phase))

        method = getattr(self.services.backtests, ANALYSES[kind].method)
        outcome = method(spec_text, source, progress)
        if not worker.is_cancelled:
            self.post_message(AnalysisDone(kind, outcome))

    @on(AnalysisDone)
    def _analysed(self, event: AnalysisDone) -> None:
        self.stop_progress()
        self.query_one(ANALYSES[event.kind].view).show(event.outcome)

    def stop_progress(self) -> None:
        """Hide the bar, and leave it determinate so it stops animating."""
        self.query_one("#bt-running").set_class(False, "-running")
        self.query_one(ProgressBar).update(total=1.0, progress=1.0)

    def forget_analyses(self, name: str) -> None:
        """A different spec is backtested: earlier analyses no longer apply."""
        self.workers.cancel_group(self, "analysis")
        for kind, a in ANALYSES.items():
            self.query_one(a.view).clear(f"Press {a.key} to {kind} {name}.")

    @on(Worker.StateChanged)
    def _analysis_stopped(self, event: Worker.StateChanged) -> None:
        """Say why an analysis failed (the error window holds the whole message)."""
        if event.worker.group != "analysis" or event.state not in (
            WorkerState.ERROR,
            WorkerState.CANCELLED,
        ):
            return
        self.stop_progress()
        if event.state == WorkerState.ERROR:
            kind = next(
                (k for k, a in ANALYSES.items() if self.query_one(TabbedContent).active == a.tab),
                "evaluate",
            )
            a = ANALYSES[kind]
            self.query_one(a.view).clear(
                f"The {kind} failed: {one_line(event.worker.error)}\nFix the spec or the "
                f"data, then press {a.key}."
            )


def one_line(error: BaseException | None) -> str:
    """An error in one line, for the screen (the error window holds the whole message)."""
    message = getattr(error, "message", None) or str(error or "unknown error")
    return message.strip().splitlines()[0] if message.strip() else type(error).__name__
