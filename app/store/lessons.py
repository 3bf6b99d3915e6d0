"""The agent team's memory in the database: :class:`app.agents.memory.LessonStore` on SQL.

Lessons outlive a run, so a later run (or a resumed one) recalls what earlier trades
taught. The pydantic :class:`~app.agents.models.Lesson` is the row's JSON.
"""

from __future__ import annotations

from datetime import UTC
from typing import TYPE_CHECKING

from sqlmodel import col, select

from app.store.tables import LessonRow

if TYPE_CHECKING:
    from app.agents.models import Lesson
    from app.store.repo import Store


class SqlLessonStore:
    """Lessons in the ``lessons`` table; adding a lesson with a known id replaces it.

    The agent team recalls its lessons for every entry candidate; :meth:`all` keeps what it
    read (with this store's own additions) until :meth:`refresh`, which the runner calls at
    each bar, so one bar of 500 symbols reads the table once, not once per candidate.
    Lessons another process adds are seen from the next bar on.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self._known: list[Lesson] | None = None

    def refresh(self) -> None:
        """Read the table again at the next :meth:`all`."""
        self._known = None

    def add(self, lesson: Lesson) -> None:
        if self._known is not None:  # as the table will give it back
            again = type(lesson).model_validate(lesson.model_dump(mode="json"))
            self._known = sorted(
                [k for k in self._known if k.id != lesson.id] + [again], key=lambda k: k.id
            )
        with self.store.session() as s:
            row = s.get(LessonRow, lesson.id) or LessonRow(id=lesson.id, data={})
            row.symbol = lesson.symbol or lesson.id.split("-", 1)[0]
            closed = lesson.closed
            row.closed_at = closed if closed.tzinfo else closed.replace(tzinfo=UTC)
            row.data = lesson.model_dump(mode="json")
            s.add(row)
            s.commit()

    def all(self) -> list[Lesson]:
        from app.agents.models import Lesson

        if self._known is None:
            with self.store.session() as s:
                rows = s.exec(select(LessonRow).order_by(col(LessonRow.id))).all()
            self._known = [Lesson.model_validate(r.data) for r in rows]
        return list(self._known)
