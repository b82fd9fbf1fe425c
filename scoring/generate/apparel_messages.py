"""Campaigns and what clients do with them: one day of sends, opens, clicks, bounces and unsubscribes.

PROFILE.md 1.5: about one send per campaign per client; about 2,709 campaigns whose sizes are heavy-tailed
(median about 78 clients, the largest about 27k); email is opened less often than push but clicked far
more; unsubscribe, complaint, spam and subscribe happen on email only; hard bounces mostly on push (dead
tokens); soft bounces mostly on email; about 0.4% exact duplicate rows, mostly push clicks.
"""

from dataclasses import dataclass

import numpy as np

from scoring.generate.apparel_clients import Clients

EVENTS = ("send", "open", "click", "purchase", "hard_bounce", "soft_bounce", "unsubscribe",
          "hbq_spam", "complain", "subscribe", "close")  # fmt: skip
SEND, OPEN, CLICK, PURCHASE, HARD, SOFT, UNSUB, SPAM, COMPLAIN, SUBSCRIBE, CLOSE = range(11)
CHANNELS = ("email", "mobile_push")
EMAIL, PUSH = 0, 1

BULK_PER_DAY = (0.54, 0.63)  # large campaigns per day per channel, at volume 1
SMALL_PER_DAY = (1.05, 1.05)  # small (segment or trigger) campaigns per day per channel
SMALL_MEDIAN_CLIENTS = 28.0  # at scale 1.0
OPEN_DELAY_MEDIAN_S = (3 * 3600.0, 40 * 60.0)  # email is read later than push
REOPEN_P = (0.22, 0.08)
EXTRA_CLICK_P = (0.12, 0.05)
DUPLICATE_P = {SEND: 2.5e-6, OPEN: 0.0108, PURCHASE: 0.032, HARD: 0.007, CLICK: 0.0}
DUPLICATE_CLICK_P = (0.012, 0.055)  # email, push


@dataclass(frozen=True)
class Sends:
    """The messages sent on one day, one row per message."""

    client: np.ndarray
    channel: np.ndarray
    campaign: np.ndarray
    ts: np.ndarray  # unix seconds


@dataclass(frozen=True)
class Events:
    """Message events: which message (global index), what, when."""

    msg: np.ndarray
    event: np.ndarray
    ts: np.ndarray

    @staticmethod
    def concat(parts: list["Events"]) -> "Events":
        parts = [p for p in parts if len(p.msg)]
        if not parts:
            return Events(np.empty(0, np.int64), np.empty(0, np.int8), np.empty(0, np.int64))
        return Events(
            np.concatenate([p.msg for p in parts]),
            np.concatenate([p.event for p in parts]).astype(np.int8),
            np.concatenate([p.ts for p in parts]),
        )


def plan_campaigns(rng: np.random.Generator, volume: float, day_ts: int) -> list[tuple[int, bool, int]]:
    """Today's campaigns as (channel, is_bulk, start second), sorted by start time."""
    out = []
    for ch in (EMAIL, PUSH):
        n_bulk = rng.poisson(BULK_PER_DAY[ch] * volume)
        n_small = rng.poisson(SMALL_PER_DAY[ch] * volume)
        for is_bulk, k in ((True, n_bulk), (False, n_small)):
            starts = day_ts + rng.integers(7 * 3600, 21 * 3600, k)
            out += [(ch, is_bulk, int(s)) for s in starts]
    if not out:  # no day passes without a send
        out.append((int(rng.integers(2)), False, day_ts + int(rng.integers(7 * 3600, 21 * 3600))))
    return sorted(out, key=lambda c: c[2])


def recipients(
    rng: np.random.Generator, eligible: np.ndarray, inclusion: np.ndarray, is_bulk: bool,
    user_scale: float,
) -> np.ndarray:  # fmt: skip
    """Clients a campaign goes to: a share of the base for bulk ones, a handful for small ones."""
    if len(eligible) == 0:
        return eligible
    if is_bulk:
        share = rng.beta(2.0, 3.0) * 0.95
        return eligible[rng.random(len(eligible)) < share * inclusion[eligible]]
    k = max(1, round(rng.lognormal(np.log(SMALL_MEDIAN_CLIENTS), 1.5) * user_scale))
    return rng.choice(eligible, min(k, len(eligible)), replace=False)


def _delay(rng: np.random.Generator, median: float, n: int, sigma: float = 1.6) -> np.ndarray:
    return np.maximum(1, rng.lognormal(np.log(median), sigma, n)).astype(np.int64)


def respond(
    rng: np.random.Generator, c: Clients, sends: Sends, msg: np.ndarray, day: int, engagement: np.ndarray
) -> tuple[Events, np.ndarray]:
    """Everything clients do with today's sends. Returns the events and which sends were unsubscribed.

    `engagement` scales each client's open and email-click propensities (1 for an engaged client, less for
    a lapsed one); push clicks follow opens, so they drop with them.
    """
    n = len(msg)
    cli, ch = sends.client, sends.channel
    engaged = engagement[cli]
    u = rng.random((6, n))
    email = ch == EMAIL
    dead_token = ~email & (day >= c.token_fail_day[cli]) & (u[5] < 0.5)  # some still get through
    hard = dead_token | (email & (u[0] < 9e-5))
    soft = ~hard & np.where(email, u[1] < c.soft_bounce_p[cli], u[1] < 2e-4)
    spam = email & ~hard & ~soft & (u[2] < c.spam_p[cli])
    delivered = ~hard & ~soft & ~spam
    opened = delivered & (u[3] < c.open_p[ch, cli] * engaged)
    open_ts = sends.ts + _delay(rng, 1.0, n) * np.where(email, *OPEN_DELAY_MEDIAN_S).astype(np.int64)
    clicked = delivered & np.where(
        email, u[4] < c.click_p[EMAIL, cli] * engaged, opened & (u[4] < c.click_p[PUSH, cli])
    )
    click_ts = np.where(opened, open_ts, sends.ts + 60) + _delay(rng, 25.0, n)
    unsub = email & opened & (u[5] < c.unsub_p[cli])
    complain = email & opened & (u[2] > 1 - c.complain_p[cli])
    close = ~email & opened & (u[5] < 2e-7)
    parts = [
        Events(msg, np.full(n, SEND), sends.ts),
        _at(msg, hard, HARD, sends.ts + 2),
        _at(msg, soft, SOFT, sends.ts + 3),
        _at(msg, spam, SPAM, sends.ts + 5),
        _at(msg, opened, OPEN, open_ts),
        _repeat(rng, msg, opened, OPEN, open_ts, np.where(email, *REOPEN_P), 86400.0),
        _at(msg, clicked, CLICK, click_ts),
        _repeat(rng, msg, clicked, CLICK, click_ts, np.where(email, *EXTRA_CLICK_P), 600.0),
        _at(msg, unsub, UNSUB, open_ts + 40),
        _at(msg, complain, COMPLAIN, open_ts + 30),
        _at(msg, close, CLOSE, open_ts + 5),
    ]
    return Events.concat(parts), unsub


def _at(msg: np.ndarray, mask: np.ndarray, event: int, ts: np.ndarray) -> Events:
    return Events(msg[mask], np.full(int(mask.sum()), event), ts[mask])


def _repeat(
    rng: np.random.Generator, msg: np.ndarray, mask: np.ndarray, event: int, ts: np.ndarray,
    p: np.ndarray, median_gap: float,
) -> Events:  # fmt: skip
    """Further opens or clicks of the same message (one message has 1-6 events)."""
    idx = np.flatnonzero(mask)
    extra = rng.geometric(1 - p[idx]) - 1
    idx = np.repeat(idx, np.minimum(extra, 3))
    return Events(msg[idx], np.full(len(idx), event), ts[idx] + _delay(rng, median_gap, len(idx)))


def duplicate_rows(rng: np.random.Generator, ev: Events, channel: np.ndarray) -> Events:
    """Exact copies of some rows, as the real log has (mostly push clicks)."""
    p = np.zeros(len(ev.msg))
    for event, share in DUPLICATE_P.items():
        p[ev.event == event] = share
    is_click = ev.event == CLICK
    p[is_click] = np.where(channel[is_click] == EMAIL, *DUPLICATE_CLICK_P)
    dup = rng.random(len(p)) < p
    return Events.concat([ev, Events(ev.msg[dup], ev.event[dup], ev.ts[dup])])
