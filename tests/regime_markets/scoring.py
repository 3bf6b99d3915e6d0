"""How right a labelling is against a market's known regimes (post warm-up bars only)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Score:
    firm_right: float
    """Share of firm (non-transition) bars whose label is the true regime."""
    transition: float
    """Share of bars labelled transition."""
    down_called_up: float
    """Share of truly trending-down bars labelled trending_up."""
    bars: int

    def row(self) -> str:
        return (
            f"{self.firm_right:6.1%} right  {self.transition:6.1%} transition  "
            f"{self.down_called_up:5.1%} down->up"
        )


def score(labels: pd.Series, truth: pd.Series, warmup: int) -> Score:
    """Score one series' labels against its truth, skipping the first ``warmup`` bars."""
    lab = np.asarray(labels, dtype=object)[warmup:]
    tru = np.asarray(truth, dtype=object)[warmup:]
    firm = lab != "transition"
    down = tru == "trending_down"
    return Score(
        float((lab[firm] == tru[firm]).mean()) if firm.any() else 0.0,
        float(1.0 - firm.mean()),
        float((lab[down] == "trending_up").mean()) if down.any() else 0.0,
        len(lab),
    )


def pooled(scores: list[tuple[pd.Series, pd.Series]], warmup: int) -> Score:
    """One score over several series (bars pooled)."""
    labels = pd.concat([s[0].reset_index(drop=True) for s in scores], ignore_index=True)
    truth = pd.concat([s[1].reset_index(drop=True) for s in scores], ignore_index=True)
    keep = np.concatenate([np.arange(len(s[0])) >= warmup for s in scores])
    return score(labels[keep], truth[keep], 0)
