"""The compiled trade simulation: one kernel for the backtest's fast path and the sweep.

It mirrors the one execution path (:class:`app.execution.session.StrategySession` driven
bar by bar through :meth:`~app.execution.session.StrategySession.step`) for rules-only
specs -- rules, protective exits, holding limit, sizing and the position caps; no regime
or agent gate and no account limits (those run through the event loop). Per union time
``t`` the phases are the session's, in its order:

1. pending exit orders fill at the open;
2. protective exits of open positions that gap through at the open fill there, the others
   are kept for phase 4;
3. pending entries fill at the open (buys cut to the cash), and their own bar is scanned;
4. protective exits inside the bar fill at their level (stop before target);
5. at the close: exit rules and holding limits of held symbols, then entry rules of flat
   symbols in universe order, sized and capped by the risk gate's rules.

:mod:`app.backtest.kernel_run` lays the inputs out and calls it;
:mod:`app.backtest.fast_path` books its trades into the broker, :mod:`app.sweep.fast` runs
it once per variant. Any change to those semantics must change both places;
``tests/test_sweep_exact.py`` checks sampled variants trade for trade against
:func:`app.backtest.engine.run_backtest` and ``tests/test_backtest_fast_path.py`` holds the
fast path's results equal to the event loop's.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from app.backtest.kernel_codes import (  # noqa: F401  (re-exported)
    EXIT_RULE,
    FIXED_SHARES,
    FIXED_USD,
    FLAGS,
    MAX_HOLD,
    PCT_EQUITY,
    REASONS,
    RISK_PCT,
    STATE_FIELDS,
    STOP_LOSS,
    TAKE_PROFIT,
    TRADE_FIELDS,
    TRAILING_STOP,
)


@njit(cache=True)
def _round_qty(qty: float, fractional: bool) -> float:
    if not (qty > 0.0) or not np.isfinite(qty):
        return 0.0
    if fractional:
        return float(np.floor(qty / 1e-8 + 1e-9) * 1e-8)
    return float(np.floor(qty + 1e-9))


@njit(cache=True)
def _cost(kind: int, value: float, qty: float, price: float) -> float:
    """CostModel.cash: 0 none, 1 per share, 2 percent, 3 fixed."""
    if kind == 0 or value == 0.0 or qty == 0.0:
        return 0.0
    if kind == 1:
        return value * abs(qty)
    if kind == 2:
        return abs(qty) * price * value / 100.0
    return value


@njit(cache=True)
def _per_share(kind: int, value: float, qty: float, price: float) -> float:
    if kind == 0 or value == 0.0 or qty == 0.0:
        return 0.0
    return _cost(kind, value, qty, price) / abs(qty)


@njit(cache=True)
def _exit_on_bar(side, stop, target, trail_d, trail_p, peak, o, h, lo):
    """(hit, price, reason, at_open) of one bar for a position, as find_exit decides."""
    s = float(side)
    lo_ls = lo if side > 0 else -h
    h_ls = h if side > 0 else -lo
    o_ls = o if side > 0 else -o
    has_fixed = not np.isnan(stop)
    has_trail = not (np.isnan(trail_d) and np.isnan(trail_p))
    stop_lv = np.nan
    trail_wins = False
    if has_trail:
        pk = s * peak
        if not np.isnan(trail_p):
            trail = pk - abs(pk) * trail_p / 100.0
        else:
            trail = pk - trail_d
        if has_fixed:
            fixed = s * stop
            stop_lv = max(trail, fixed)
            trail_wins = trail > fixed
        else:
            stop_lv = trail
            trail_wins = True
    elif has_fixed:
        stop_lv = s * stop
    tgt = np.nan if np.isnan(target) else s * target
    stop_hit = (not np.isnan(stop_lv)) and lo_ls <= stop_lv
    tgt_hit = (not np.isnan(tgt)) and h_ls >= tgt
    if not (stop_hit or tgt_hit):
        return False, 0.0, 0, False
    reason = TRAILING_STOP if trail_wins else STOP_LOSS
    if stop_hit and o_ls <= stop_lv:
        return True, s * o_ls, reason, True
    if tgt_hit and o_ls >= tgt:
        return True, s * o_ls, TAKE_PROFIT, True
    if stop_hit:
        return True, s * stop_lv, reason, False
    return True, s * tgt, TAKE_PROFIT, False


@njit(cache=True)
def simulate(
    op,
    hi,
    lo,
    cl,
    bar_ix,
    first,
    frac,
    le,
    lx,
    se,
    sx,
    atr_stop,
    atr_tgt,
    atr_trail,
    levels,
    sizing_kind,
    sizing_value,
    max_hold,
    max_positions,
    max_position_pct,
    max_exposure_pct,
    cash0,
    comm_kind,
    comm_value,
    slip_kind,
    slip_value,
    trades,
    equity,
    flags,
    state,
):
    """Simulate one variant; returns the number of closed trades written to ``trades``.

    ``bar_ix`` is (T, S) on the union timeline: the symbol's own bar index at each union
    time (-1 where it has no bar). The bars, signals and ATR levels are (L, S) on each
    symbol's own bars (row ``b`` of column ``s`` is symbol ``s``'s bar ``b``), so a
    symbol's arrays are never spread onto the union timeline. ``levels`` holds stop pct,
    stop atr k, target pct, target atr k, trail pct, trail atr k (NaN when unused).
    ``equity[t]`` receives the equity at each union close, ``flags`` the FLAGS counts and
    ``state`` (S, STATE_FIELDS) what is open or pending at the end. Caps and limits set
    to 0 / NaN are off.
    """
    T, S = bar_ix.shape
    pos = np.zeros(S, np.int64)  # side of the open position (0 flat)
    qty = np.zeros(S)
    entry_px = np.zeros(S)
    entry_bar = np.zeros(S, np.int64)
    entry_t = np.zeros(S, np.int64)
    entry_comm = np.zeros(S)
    closing = np.zeros(S, np.bool_)
    stop = np.full(S, np.nan)
    target = np.full(S, np.nan)
    trail_d = np.full(S, np.nan)
    trail_p = np.full(S, np.nan)
    peak = np.zeros(S)
    pend = np.zeros(S, np.int64)  # side of the pending entry (0 none)
    pend_qty = np.zeros(S)
    pend_stop_d = np.full(S, np.nan)
    pend_tgt_d = np.full(S, np.nan)
    pend_trail_d = np.full(S, np.nan)
    last_close = np.full(S, np.nan)
    hit_px = np.zeros(S)
    hit_reason = np.zeros(S, np.int64)
    close_reason = np.zeros(S, np.int64)
    close_bar = np.full(S, -1, np.int64)
    pend_bar = np.full(S, -1, np.int64)
    inside = np.zeros(2 * S, np.int64)
    cash = cash0
    n = 0
    flags[2] = np.inf
    protect = False  # any protective exit at all (else phase 2 and the entry bar's scan
    for j in range(6):  # find nothing)
        protect = protect or not np.isnan(levels[j])
    n_closing = 0  # at least the symbols with a pending exit (phase 1 recounts)
    n_pend = 0  # at least the symbols with a pending entry (phase 3 recounts)
    for t in range(T):
        # 1. pending exits at the open
        count, n_closing = n_closing, 0
        for s in range(S if count else 0):
            if not closing[s] or pos[s] == 0:
                continue
            b = bar_ix[t, s]
            if b < 0:
                n_closing += 1
                continue
            px = op[b, s] - pos[s] * _per_share(slip_kind, slip_value, qty[s], op[b, s])
            n, cash = _close(
                s,
                t,
                b,
                b - entry_bar[s],
                px,
                close_reason[s],
                pos,
                qty,
                entry_px,
                entry_bar,
                entry_t,
                entry_comm,
                closing,
                trades,
                n,
                cash,
                comm_kind,
                comm_value,
                flags,
            )
        # 2. protective exits of held positions
        k = 0
        for s in range(S if protect else 0):
            b = bar_ix[t, s]
            if b < 0 or pos[s] == 0:
                continue
            hit, px, why, at_open = _exit_on_bar(
                pos[s],
                stop[s],
                target[s],
                trail_d[s],
                trail_p[s],
                peak[s],
                op[b, s],
                hi[b, s],
                lo[b, s],
            )
            if not hit:
                peak[s] = max(peak[s], hi[b, s]) if pos[s] > 0 else min(peak[s], lo[b, s])
            elif at_open:
                n, cash = _exit_fill(
                    s,
                    t,
                    b,
                    px,
                    why,
                    pos,
                    qty,
                    entry_px,
                    entry_bar,
                    entry_t,
                    entry_comm,
                    closing,
                    trades,
                    n,
                    cash,
                    comm_kind,
                    comm_value,
                    slip_kind,
                    slip_value,
                    flags,
                )
            else:
                hit_px[s], hit_reason[s] = px, why
                inside[k] = s
                k += 1
        # 3. pending entries fill at the open
        count, n_pend = n_pend, 0
        for s in range(S if count else 0):
            if pend[s] == 0:
                continue
            b = bar_ix[t, s]
            if b < 0:
                n_pend += 1
                continue
            side = pend[s]
            pend[s] = 0
            if pos[s] != 0:
                continue
            q = pend_qty[s]
            px = op[b, s] + side * _per_share(slip_kind, slip_value, q, op[b, s])
            if side > 0:
                need = q * px + _cost(comm_kind, comm_value, q, px)
                if need > cash:
                    flags[0] += 1.0
                    q = _afford(q, px, cash, comm_kind, comm_value, frac[s])
                    if q <= 0.0:
                        continue
                    px = op[b, s] + side * _per_share(slip_kind, slip_value, q, op[b, s])
            entry_comm[s] = _cost(comm_kind, comm_value, q, px)
            cash -= side * q * px + entry_comm[s]
            pos[s], qty[s], entry_px[s], entry_bar[s], entry_t[s] = side, q, px, b, t
            closing[s] = False
            stop[s] = _level(px, side, -1.0, levels[0], pend_stop_d[s])
            target[s] = _level(px, side, 1.0, levels[2], pend_tgt_d[s])
            trail_p[s] = levels[4]
            trail_d[s] = pend_trail_d[s] if np.isnan(levels[4]) else np.nan
            peak[s] = px
            if not protect:
                continue
            hit, hpx, why, at_open = _exit_on_bar(
                side,
                stop[s],
                target[s],
                trail_d[s],
                trail_p[s],
                peak[s],
                op[b, s],
                hi[b, s],
                lo[b, s],
            )
            if hit:
                hit_px[s], hit_reason[s] = hpx, why
                inside[k] = s
                k += 1
            else:
                peak[s] = max(peak[s], hi[b, s]) if side > 0 else min(peak[s], lo[b, s])
        # 4. exits inside the bar
        for j in range(k):
            s = inside[j]
            n, cash = _exit_fill(
                s,
                t,
                bar_ix[t, s],
                hit_px[s],
                hit_reason[s],
                pos,
                qty,
                entry_px,
                entry_bar,
                entry_t,
                entry_comm,
                closing,
                trades,
                n,
                cash,
                comm_kind,
                comm_value,
                slip_kind,
                slip_value,
                flags,
            )
        # 5. the close: the equity, then exit rules and holding limits (they do not
        # change the equity), then entries
        value = 0.0
        for s in range(S):
            b = bar_ix[t, s]
            if b >= 0:
                last_close[s] = cl[b, s]
            if pos[s] == 0:
                continue
            value += pos[s] * qty[s] * last_close[s]
            if b < 0 or closing[s]:
                continue
            rule = lx[b, s] if pos[s] > 0 else sx[b, s]
            if rule:
                closing[s], close_reason[s], close_bar[s] = True, EXIT_RULE, b
                n_closing += 1
            elif max_hold > 0 and b - entry_bar[s] + 1 >= max_hold:
                closing[s], close_reason[s], close_bar[s] = True, MAX_HOLD, b
                n_closing += 1
        eq = cash + value
        equity[t] = eq
        for s in range(S):
            b = bar_ix[t, s]
            if b < 0 or pos[s] != 0 or pend[s] != 0 or b < first[s]:
                continue
            side = 1 if le[b, s] else (-1 if se[b, s] else 0)
            if side == 0:
                continue
            flags[2] = min(flags[2], eq)
            _enter(
                s,
                t,
                side,
                cl[b, s],
                eq,
                atr_stop[b, s],
                atr_tgt[b, s],
                atr_trail[b, s],
                levels,
                sizing_kind,
                sizing_value,
                max_positions,
                max_position_pct,
                max_exposure_pct,
                frac[s],
                pos,
                qty,
                closing,
                pend,
                pend_qty,
                pend_stop_d,
                pend_tgt_d,
                pend_trail_d,
                last_close,
                flags,
            )
            if pend[s] != 0:
                pend_bar[s] = b
                n_pend += 1
    flags[4] = float(np.sum(pos != 0))
    for s in range(S):
        row = state[s]
        row[0], row[1], row[2], row[3], row[4] = (
            pos[s],
            qty[s],
            entry_px[s],
            entry_bar[s],
            entry_t[s],
        )
        row[5], row[6], row[7], row[8] = entry_comm[s], closing[s], close_reason[s], close_bar[s]
        row[9], row[10], row[11] = pend[s], pend_qty[s], pend_bar[s]
    return n


@njit(cache=True)
def _level(px, side, away, pct, distance):
    """A stop (away -1) or target (+1) level: percent of the fill price, or an ATR
    distance fixed at the signal bar (NaN: none)."""
    if not np.isnan(pct):
        return px + away * side * px * pct / 100.0
    if np.isnan(distance):
        return np.nan
    return px + away * side * distance


@njit(cache=True)
def _afford(q, px, cash, comm_kind, comm_value, fractional):
    if comm_kind == 3:
        per, fixed = px, comm_value
    else:
        per, fixed = px + _per_share(comm_kind, comm_value, 1.0, px), 0.0
    return _round_qty(min(q, (cash - fixed) / per), fractional)


@njit(cache=True)
def _close(
    s,
    t,
    b,
    held,
    px,
    why,
    pos,
    qty,
    entry_px,
    entry_bar,
    entry_t,
    entry_comm,
    closing,
    trades,
    n,
    cash,
    comm_kind,
    comm_value,
    flags,
):
    side = pos[s]
    comm = _cost(comm_kind, comm_value, qty[s], px)
    cash -= -side * qty[s] * px + comm
    pnl = side * qty[s] * (px - entry_px[s]) - entry_comm[s] - comm
    _record(trades, n, s, side, entry_t[s], entry_px[s], t, px, qty[s], why, held, pnl)
    if n < trades.shape[0]:
        row = trades[n]
        row[10], row[11], row[12], row[13] = entry_bar[s], b, entry_comm[s], comm
    pos[s] = 0
    closing[s] = False
    return n + 1, cash


@njit(cache=True)
def _exit_fill(
    s,
    t,
    b,
    px,
    why,
    pos,
    qty,
    entry_px,
    entry_bar,
    entry_t,
    entry_comm,
    closing,
    trades,
    n,
    cash,
    comm_kind,
    comm_value,
    slip_kind,
    slip_value,
    flags,
):
    slip = 0.0 if why == TAKE_PROFIT else _per_share(slip_kind, slip_value, qty[s], px)
    price = px - pos[s] * slip
    return _close(
        s,
        t,
        b,
        b - entry_bar[s] + 1,
        price,
        why,
        pos,
        qty,
        entry_px,
        entry_bar,
        entry_t,
        entry_comm,
        closing,
        trades,
        n,
        cash,
        comm_kind,
        comm_value,
        flags,
    )


@njit(cache=True)
def _record(trades, n, s, side, t0, p0, t1, p1, q, why, held, pnl):
    if n < trades.shape[0]:
        row = trades[n]
        row[0], row[1], row[2], row[3], row[4] = s, side, t0, p0, t1
        row[5], row[6], row[7], row[8], row[9] = p1, q, why, held, pnl


@njit(cache=True)
def _enter(
    s,
    t,
    side,
    price,
    eq,
    atr_s,
    atr_t,
    atr_r,
    levels,
    sizing_kind,
    sizing_value,
    max_positions,
    max_position_pct,
    max_exposure_pct,
    fractional,
    pos,
    qty,
    closing,
    pend,
    pend_qty,
    pend_stop_d,
    pend_tgt_d,
    pend_trail_d,
    last_close,
    flags,
):
    stop_d = price * levels[0] / 100.0 if not np.isnan(levels[0]) else levels[1] * atr_s
    tgt_d = price * levels[2] / 100.0 if not np.isnan(levels[2]) else levels[3] * atr_t
    trail = levels[5] * atr_r
    if sizing_kind == FIXED_SHARES:
        q = sizing_value
    elif price <= 0.0:
        q = 0.0
    elif sizing_kind == FIXED_USD:
        q = sizing_value / price
    elif sizing_kind == PCT_EQUITY:
        q = max(eq, 0.0) * sizing_value / 100.0 / price
    elif np.isnan(stop_d) or stop_d <= 0.0:
        q = 0.0
    else:
        q = max(eq, 0.0) * sizing_value / 100.0 / stop_d
    q = _round_qty(q, fractional)
    if q <= 0.0:
        flags[6] += 1.0
        return
    S = pos.shape[0]
    if max_positions > 0:
        count = 0
        for j in range(S):
            if (pos[j] != 0 and not closing[j]) or pend[j] != 0:
                count += 1
        if count >= max_positions:
            flags[5] += 1.0
            return
    if max_position_pct > 0.0:
        cap = eq * max_position_pct / 100.0 / price
        if q > cap:
            q = _round_qty(cap, fractional)
            flags[3] += 1.0
    if max_exposure_pct > 0.0 and q > 0.0:
        gross = 0.0
        for j in range(S):
            if pos[j] != 0 and not closing[j]:
                gross += qty[j] * last_close[j]
            if pend[j] != 0:
                gross += pend_qty[j] * last_close[j]
        room = max(eq, 0.0) * max_exposure_pct / 100.0 - gross
        if q * price > room:
            q = _round_qty(max(room, 0.0) / price, fractional)
            flags[3] += 1.0
    if q <= 0.0:
        return
    pend[s], pend_qty[s] = side, q
    pend_stop_d[s], pend_tgt_d[s], pend_trail_d[s] = stop_d, tgt_d, trail
