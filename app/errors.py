"""The one base class for errors Parley reports to its user.

Every user-facing failure (bad data, a spec that does not parse, a rejected order) is a
:class:`ParleyError`. Front ends catch this single type and show ``message`` (and ``hint``,
when there is one) instead of a traceback; anything else is a bug.
"""

from __future__ import annotations


class ParleyError(Exception):
    """A failure the user can act on.

    Attributes:
        message: What went wrong, complete on its own (it names the file, line or value).
        hint: Optional short advice on what to do next, for a UI to show apart.
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\n{self.hint}" if self.hint else self.message
