"""What every Parley screen shares: the injected services and the one error path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from app.tui.services import Services

if TYPE_CHECKING:
    from app.tui.app import ParleyApp


class ParleyScreen(Screen[None]):
    """A screen over :class:`Services`; its failed workers end in the app's error modal.

    ``Worker.StateChanged`` does not bubble, so each screen forwards its own workers'
    failures to :meth:`ParleyApp.show_error` here, in one place.
    """

    def __init__(self, services: Services) -> None:
        super().__init__()
        self.services = services

    def show_error(self, error: BaseException, doing: str = "") -> None:
        """The app's error modal (:meth:`ParleyApp.show_error`)."""
        app: ParleyApp = self.app  # type: ignore[assignment]  # Textual types it App[Any]
        app.show_error(error, doing)

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            self.show_error(event.worker.error, event.worker.description)
