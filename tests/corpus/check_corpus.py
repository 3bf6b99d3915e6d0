"""Check every corpus record: its fields, and that its expected spec parses and agrees with its facts.

Usage: python tests/corpus/check_corpus.py [FILE.jsonl ...]
       (default: dev.jsonl, holdout.jsonl, holdout2.jsonl and holdout3.jsonl)
Exit 0 when every record is sound, 1 with one line per problem otherwise.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Iterator

from app.dsl import SpecError, parse_spec

HERE = Path(__file__).resolve().parent
KINDS = {"forum", "help", "readme", "blog", "qa", "code-doc"}
TIMEFRAMES = {"1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w", "1mo", None}
DIRECTIONS = {"long", "short", "both", None}
QUESTIONS = {"universe", "entry", "exit", "size", "timeframe", "direction", "stop", "target", "rules"}
CATEGORIES = {
    "no_ticker", "exit_section", "formatting", "ma_channel", "multi_bar", "time_exit",
    "size_risk", "stop_target", "direction_timeframe", "capitalised", "cross_asset",
    "rotation", "vague",
}
FACT_KEYS = ("symbols", "timeframe", "direction", "stop_loss", "take_profit", "trailing_stop",
             "size", "max_hold_bars", "entry", "exit")
PLACEHOLDER = "GOOG"
FILES = ("dev.jsonl", "holdout.jsonl", "holdout2.jsonl", "holdout3.jsonl")
"""Every corpus file: the fixed split, the second holdout collected after the first was scored,
and the third collected after the second was scored."""


def load(paths: list[Path]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(where, record)`` for every line of the files."""
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            yield f"{path.name}:{number}", json.loads(line)


def field_problems(rec: dict[str, Any]) -> list[str]:
    """Problems with the record's own fields (no parsing)."""
    out = []
    if not rec.get("source_url", "").startswith(("http://", "https://")):
        out.append("source_url is not an address")
    if rec.get("source_kind") not in KINDS:
        out.append(f"source_kind {rec.get('source_kind')!r} not one of {sorted(KINDS)}")
    if not rec.get("text", "").strip():
        out.append("empty text")
    facts = rec.get("facts", {})
    if tuple(facts) != FACT_KEYS:
        out.append(f"facts keys {list(facts)} != {list(FACT_KEYS)}")
    if facts.get("timeframe") not in TIMEFRAMES or facts.get("direction") not in DIRECTIONS:
        out.append("facts.timeframe or facts.direction out of range")
    if set(rec.get("expected_questions", [])) - QUESTIONS:
        out.append(f"unknown question kinds {set(rec['expected_questions']) - QUESTIONS}")
    if set(rec.get("categories", [])) - CATEGORIES:
        out.append(f"unknown categories {set(rec['categories']) - CATEGORIES}")
    if rec.get("expressible") is False and (rec.get("expected_spec") or not rec.get("expressible_reason")):
        out.append("expressible false needs expected_spec null and a reason")
    if rec.get("well_specified") and rec.get("expressible") and not rec.get("expected_spec"):
        out.append("a well-specified, expressible record needs an expected_spec")
    if rec.get("expressible") is None and (rec.get("well_specified") or rec.get("expected_spec")):
        out.append("expressible null is only for vague records without a spec")
    return out


def _level(facts_value: Any) -> Any:
    """A facts stop/target in the spec's form, or a marker when it is another stated form."""
    if facts_value is None or "kind" not in facts_value:
        return facts_value
    return "other"


def spec_problems(rec: dict[str, Any]) -> list[str]:
    """Parse the expected spec and compare it with the stated facts."""
    try:
        spec = parse_spec(rec["expected_spec"], rec["id"])
    except SpecError as err:
        return ["expected_spec does not parse: " + err.render().replace("\n", " | ")]
    facts, out = rec["facts"], []
    if not facts["symbols"] and list(spec.universe) != [PLACEHOLDER]:
        out.append(f"no stated symbol, so the universe must be the placeholder {PLACEHOLDER}")
    if not facts["symbols"] and "universe" not in rec["expected_questions"]:
        out.append("no stated symbol but no universe question")
    if facts["timeframe"] and spec.timeframe != facts["timeframe"]:
        out.append(f"timeframe {spec.timeframe} != facts {facts['timeframe']}")
    if facts["direction"] and spec.direction != facts["direction"]:
        out.append(f"direction {spec.direction} != facts {facts['direction']}")
    for key in ("stop_loss", "take_profit", "trailing_stop"):
        want, got = _level(facts[key]), getattr(spec, key)
        got = got.model_dump(mode="json") if got is not None else None
        if want != "other" and want != got:
            out.append(f"{key} {got} != facts {want}")
    size, sizing = facts["size"], spec.sizing
    if size and not isinstance(size.get("value"), str) and size["kind"] != "other":
        if sizing is None or sizing.model_dump(mode="json") != size:
            out.append(f"sizing {sizing} != facts {size}")
    if facts["max_hold_bars"] != spec.max_hold_bars:
        out.append(f"max hold {spec.max_hold_bars} != facts {facts['max_hold_bars']}")
    return out


def problems(rec: dict[str, Any]) -> list[str]:
    out = field_problems(rec)
    if rec.get("expected_spec"):
        out += spec_problems(rec)
    return out


def duplicates(records: list[dict[str, Any]]) -> list[str]:
    """Records sharing a source URL or a text (whitespace and case aside)."""
    seen: dict[str, str] = {}
    out = []
    for rec in records:
        for key in (rec["source_url"], " ".join(rec["text"].lower().split())):
            if key in seen:
                out.append(f"{rec['id']} duplicates {seen[key]}")
            seen.setdefault(key, rec["id"])
    return out


def main(argv: list[str]) -> int:
    paths = [Path(a) for a in argv] or [HERE / name for name in FILES]
    records, bad = [], []
    for where, rec in load(paths):
        records.append(rec)
        bad += [f"{where} {rec.get('id')}: {p}" for p in problems(rec)]
    bad += duplicates(records)
    for line in bad:
        print(line)
    specs = sum(1 for r in records if r.get("expected_spec"))
    print(f"{len(records)} records, {specs} expected specs parsed, {len(bad)} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
