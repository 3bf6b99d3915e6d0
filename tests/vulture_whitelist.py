"""What vulture may report in ``app/`` without it being dead code (``test_dead_code.py``).

Vulture matches by name, so each entry below silences that name everywhere: keep entries
to names a framework calls or a record carries, each with the reason. Methods of the two
Lark transformers are not listed: the test reads the rule and alias names from the grammars,
so a method for a rule that no longer exists is still reported.
"""

from __future__ import annotations

IGNORE_DECORATORS: dict[str, str] = {
    "@on": "Textual message handlers, called by Textual",
    "@model_validator": "pydantic validators, called by pydantic",
    "@field_validator": "pydantic validators, called by pydantic",
}

FRAMEWORK_NAMES: dict[str, str] = {
    # Textual: hooks found by name, class settings, and properties whose setter redraws.
    "on_*": "Textual event handlers (on_mount, on_resize, on_button_pressed ...)",
    "action_*": "Textual actions, bound by name in BINDINGS",
    "watch_*": "Textual reactive watchers",
    "can_replace": "Textual Message hook: may a queued message be replaced",
    "discover": "Textual command Provider hook",
    "BINDINGS": "Textual key bindings",
    "CSS_PATH": "Textual stylesheet file",
    "DEFAULT_CSS": "Textual widget stylesheet",
    "TITLE": "Textual app title",
    "HORIZONTAL_BREAKPOINTS": "Textual responsive layout classes",
    "border_title": "Textual property: setting it draws the title",
    "display": "Textual property: setting it shows or hides a widget",
    "disabled": "Textual property: setting it disables a widget",
    "theme": "Textual property: setting it restyles the app or TextArea",
    "tooltip": "Textual property: setting it shows the tooltip",
    # Others that call by name.
    "model_config": "pydantic model settings",
    "__getattr__": "PEP 562 lazy module attributes (app.compiler, app.runner)",
    "handleError": "logging.Handler override (app.logs)",
    "always_accept": "Lark post-lexer interface (app.dsl.grammar.WordBoundary)",
    "process": "Lark post-lexer interface (app.dsl.grammar.WordBoundary)",
    "writeable": "numpy: arr.flags.writeable = False freezes Bars' arrays",
    "output_dir": "numba.pycc CC attribute: where the compiled kernel goes (kernel_aot)",
    "startprob_": "hmmlearn model parameters, set before decoding (app.regime.hmm)",
    "transmat_": "hmmlearn model parameters, set before decoding (app.regime.hmm)",
    "sweep": "BacktestService.sweep, called as getattr(service, ANALYSES[kind].method)",
    # Fields of records that are stored or compared whole.
    "exit_bar": "Trade field: in its repr, compared fast path == event loop",
    "applied_at": "SQLAlchemy column (app.store.tables)",
    "heartbeat_at": "SQLAlchemy column (app.store.tables)",
    "broker_order_id": "SQLAlchemy column (app.store.tables)",
    "closed_at": "SQLAlchemy column (app.store.tables, set in app.store.lessons)",
    "last_attempt": "ConversationTurn field, stored with asdict",
    "portfolio_equity": "pydantic agent record field, stored with model_dump",
    "conviction_without_memory": "pydantic decision record field, stored with model_dump",
}

NOT_YET_REMOVED: dict[tuple[str, str], str] = {
    # Dead in packages other helpers changed this session: listed for the lead (see the
    # closing notes of issue 17); remove the code and its line here together.
    ("app/backtest/result.py", "final_equity"): "property used by tests only",
    ("app/compiler/offline/draft.py", "direction_said"): "used by tests and benchmarks only",
    ("app/instruments/model.py", "clear_registered"): "used by tests only",
    ("app/market/bundled.py", "bundled_path"): "used by tests only",
    ("app/market/loader.py", "align"): "used by tests only",
    ("app/market/synthetic.py", "synthetic_market"): "used by tests and benchmarks only",
    ("app/market/universe.py", "load_symbol"): "used by tests only",
    ("app/market/universe.py", "load_macro"): "used by tests only",
    ("app/regime/baseline.py", "baseline_regimes"): "used by tests and benchmarks only",
    ("app/store/repo.py", "save_conversation"): "second conversation store, tests only",
    ("app/store/repo.py", "load_conversation"): "second conversation store, tests only",
    ("app/sweep/overfit.py", "_sharpes"): "used by tests only",
}
