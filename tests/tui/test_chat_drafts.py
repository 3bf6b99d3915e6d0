"""The chat on the compiler's draft contract: a missing universe, exit or size is a
question on a draft that keeps everything else; the next turn answers it."""

from __future__ import annotations

from app.tui.widgets.spec_view import SpecView
from tests.tui.conftest import SIZE, MakeApp
from tests.tui.test_chat import log_text, say

NO_SYMBOLS = (
    "buy when the 10-day SMA crosses above the 30-day, sell when it crosses below, 10 shares"
)


async def test_a_question_keeps_the_draft_and_the_answer_completes_it(make_app: MakeApp) -> None:
    app = make_app()  # the real offline compiler
    async with app.run_test(size=SIZE) as pilot:
        await say(pilot, NO_SYMBOLS)
        state = app.services.chat.state()
        assert state.spec is None and state.draft and state.questions
        shown = app.screen.query_one(SpecView).spec_text
        assert shown == state.draft
        assert "long when sma(close, 10) crosses above sma(close, 30)" in shown
        assert 'question "Which symbols' in shown
        assert str(app.screen.query_one("#current").border_title).startswith("Draft")
        await say(pilot, "/backtest")
        assert "answer the questions on the right first" in log_text(pilot)

        await say(pilot, "GOOG")
        state = app.services.chat.state()
        assert state.spec is not None and state.spec.universe == ("GOOG",)
        assert state.draft is None and state.questions == ()
        assert app.screen.query_one(SpecView).spec_text == state.spec_text
        assert str(app.screen.query_one("#current").border_title) == "Current spec"


async def test_a_new_description_after_a_spec_replaces_it_and_a_change_revises_it(
    make_app: MakeApp,
) -> None:
    app = make_app()  # the real offline compiler
    async with app.run_test(size=SIZE) as pilot:
        await say(
            pilot,
            "buy GOOG when the 10-day SMA crosses above the 30-day SMA, sell when "
            "it crosses below, 10 shares, stop 4%",
        )
        await say(
            pilot, "Buy NVDA when RSI(14) drops below 30 and sell when it rises above 70, 5 shares"
        )
        state = app.services.chat.state()
        assert state.spec is not None and state.spec.universe == ("NVDA",)
        assert state.spec.stop_loss is None and state.diff == ""
        assert "Read as a new strategy" in log_text(pilot)
        await say(pilot, "make it a short")
        state = app.services.chat.state()
        assert state.spec is not None and state.spec.direction == "short"
        assert state.spec.universe == ("NVDA",) and state.diff
        await say(pilot, "tighter stop")
        assert "There is no stop loss yet" in log_text(pilot)
