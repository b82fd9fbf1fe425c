"""The day-by-day simulation of the apparel shop: campaigns go out, clients respond and buy.

A client buys for the first time on their acquisition day, then at a personal rate that follows the season
and jumps for a few days after each click, until they lapse for good (never observed). Each order is
attributed to a message: the one the client just clicked, else their latest message, else (about 27% of
rows) a link from another client's message. The target is drawn from each client's true probability of
buying in the 90 days after the last day, which is written beside the data as the ceiling for models.
"""

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from scoring.generate import calendar as cal
from scoring.generate.apparel_clients import ApparelParams, Clients
from scoring.generate.apparel_messages import (
    CLICK,
    EMAIL,
    PURCHASE,
    PUSH,
    SUBSCRIBE,
    Events,
    Sends,
    duplicate_rows,
    plan_campaigns,
    recipients,
    respond,
)  # fmt: skip
from scoring.generate.apparel_orders import Orders, draw_orders
from scoring.generate.catalog import Catalog
from scoring.generate.message_log import MessageLog

CLICK_MEMORY_DAYS = 3  # an order within this many days of a click is attributed to that message
SEND_MEMORY_DAYS = 30
OWN_LATEST_MESSAGE_P = 0.86
VIRAL_P = 0.012  # share of borrowed links that go to one widely shared message
FIRST_MSG_DAY = cal.day_index(cal.FIRST_MESSAGE_DAY)
LAST_MSG_DAY = cal.day_index(cal.LAST_MESSAGE_DAY)


@dataclass(frozen=True)
class Day:
    """What one simulated day produced."""

    day: int
    events: Events
    orders: Orders


@dataclass
class _State:
    alive: np.ndarray
    email_on: np.ndarray
    boost: np.ndarray
    last_click_msg: np.ndarray
    last_click_day: np.ndarray
    last_send_msg: np.ndarray
    last_send_day: np.ndarray
    clicks_recent: np.ndarray  # clicks in the last 60 days, for the truth
    resubscribe: dict[int, list[int]]
    click_pool: deque
    viral_msg: int = -1
    last_campaign_id: int = 0


class ApparelSimulation:
    """Runs the shop day by day; `run()` yields each day's events and orders in time order."""

    def __init__(self, rng: np.random.Generator, clients: Clients, catalog: Catalog,
                 params: ApparelParams, user_scale: float) -> None:  # fmt: skip
        self.rng, self.c, self.catalog, self.p = rng, clients, catalog, params
        self.user_scale = user_scale
        self.log = MessageLog()
        self.season = cal.purchase_season(cal.N_DAYS + cal.TARGET_DAYS)
        self.volume = cal.message_volume(cal.N_DAYS)
        n = clients.n
        self.s = _State(
            alive=np.zeros(n, bool), email_on=clients.email.copy(), boost=np.zeros(n),
            last_click_msg=np.full(n, -1), last_click_day=np.full(n, -(10**6)),
            last_send_msg=np.full(n, -1), last_send_day=np.full(n, -(10**6)),
            clicks_recent=np.zeros(n), resubscribe={}, click_pool=deque(maxlen=7),
        )  # fmt: skip

    def run(self) -> Iterator[Day]:
        for day in range(cal.N_DAYS):
            # Orders first: they respond to messages and clicks of earlier days, never to later ones.
            orders, purchase_events = self._purchases(day)
            events = self._messages(day) if FIRST_MSG_DAY <= day <= LAST_MSG_DAY else None
            parts = [e for e in (events, purchase_events) if e is not None]
            ev = Events.concat(parts)
            yield Day(day, duplicate_rows(self.rng, ev, self.log.channel[ev.msg]), orders)

    # --- messages -------------------------------------------------------------------------
    def _messages(self, day: int) -> Events:
        c, s, rng = self.c, self.s, self.rng
        for cli in s.resubscribe.pop(day, []):
            s.email_on[cli] = True
        base = c.has_messages & (c.sub_day <= day)
        eligible = (np.flatnonzero(base & s.email_on), np.flatnonzero(base & c.push))
        sends = []
        day_ts = cal.day_start_ts(day)
        for ch, is_bulk, start in plan_campaigns(rng, self.volume[day], day_ts):
            who = recipients(rng, eligible[ch], c.inclusion, is_bulk, self.user_scale)
            cid = max(s.last_campaign_id + 1, int(cal.campaign_id_at(np.array([day]))[0]))
            s.last_campaign_id = cid
            ts = start + rng.exponential(240.0, len(who)).astype(np.int64)
            sends.append(Sends(who, np.full(len(who), ch), np.full(len(who), cid), ts))
        sends = _concat_sends(sends)
        msg = self.log.add(rng, sends)
        events, unsub = respond(rng, c, sends, msg, day, self._engagement(day))
        resubscribed = self._after_responses(day, sends, msg, events, unsub)
        return Events.concat([events, resubscribed])

    def _engagement(self, day: int) -> np.ndarray:
        """Per client, the factor on their open and click propensities: lower once they have lapsed.

        Clients who have not bought yet (prospects, message-only clients) read their messages as usual.
        """
        lapsed = (self.c.acq_day < day) & ~self.s.alive
        return np.where(lapsed, self.p.dormant_engagement, 1.0)

    def _after_responses(self, day: int, sends: Sends, msg: np.ndarray, ev: Events,
                         unsub: np.ndarray) -> Events:  # fmt: skip
        s, rng = self.s, self.rng
        s.last_send_msg[sends.client] = msg
        s.last_send_day[sends.client] = day
        gone = sends.client[unsub]
        s.email_on[gone] = False
        back_msg, back_ts = [], []
        for cli, m in zip(gone, msg[unsub], strict=True):
            if rng.random() < 0.03:  # a few come back and subscribe again, from the same message
                back = day + 1 + int(rng.exponential(60))
                s.resubscribe.setdefault(back, []).append(int(cli))
                back_msg.append(int(m))
                back_ts.append(cal.day_start_ts(back) + int(rng.integers(8 * 3600, 22 * 3600)))
        clicked = ev.msg[ev.event == CLICK]
        who = self.log.owner[clicked]
        decay = np.exp(-1.0 / self.p.click_boost_days)
        s.boost *= decay
        np.add.at(s.boost, who, 1.0)
        s.clicks_recent *= np.exp(-1.0 / 60)
        np.add.at(s.clicks_recent, who, 1.0)
        s.last_click_msg[who] = clicked
        s.last_click_day[who] = day
        s.click_pool.append(clicked)
        if s.viral_msg < 0 and day > 100 and len(clicked):
            s.viral_msg = int(clicked[0])
        n_back = len(back_msg)
        return Events(np.array(back_msg, np.int64), np.full(n_back, SUBSCRIBE, np.int8),
                      np.array(back_ts, np.int64))  # fmt: skip

    # --- purchases ------------------------------------------------------------------------
    def _purchases(self, day: int) -> tuple[Orders, Events]:
        c, s, rng, p = self.c, self.s, self.rng, self.p
        new = np.flatnonzero(c.acq_day == day)
        s.alive[new] = True
        old = np.flatnonzero(c.acq_day < day)
        level = np.where(s.alive[old], 1.0, p.dormant_factor)
        hazard = c.repeat_rate[old] * level * self.season[day] * (1.0 + p.click_boost * s.boost[old])
        buys = old[rng.random(len(old)) < -np.expm1(-hazard)]
        s.alive[old[rng.random(len(old)) < c.lapse_rate[old]]] = False
        buyers = np.concatenate([new, buys])
        msg = self._attribute(day, buyers)
        orders = draw_orders(rng, c, self.catalog, buyers, msg, day, p)
        return orders, self._purchase_events(day, msg)

    def _attribute(self, day: int, buyers: np.ndarray) -> np.ndarray:
        s, c, rng = self.s, self.c, self.rng
        n = len(buyers)
        clicked = s.last_click_day[buyers] >= day - CLICK_MEMORY_DAYS
        sent = (s.last_send_day[buyers] >= day - SEND_MEMORY_DAYS) & (rng.random(n) < OWN_LATEST_MESSAGE_P)
        msg = np.where(clicked, s.last_click_msg[buyers], np.where(sent, s.last_send_msg[buyers], -1))
        early = (msg < 0) & c.has_messages[buyers] & (day < FIRST_MSG_DAY + 7)
        for i in np.flatnonzero(early):  # links from campaigns sent before the log starts
            msg[i] = self.log.add_unlogged(rng, int(buyers[i]), day)
        borrow = np.flatnonzero(msg < 0)
        pool = np.concatenate(list(s.click_pool)) if s.click_pool else np.empty(0, np.int64)
        for i in borrow:
            if s.viral_msg >= 0 and rng.random() < VIRAL_P:
                msg[i] = s.viral_msg
            elif len(pool):
                msg[i] = pool[rng.integers(len(pool))]
            else:
                msg[i] = self.log.add_unlogged(rng, int(rng.integers(c.n)), day)
        return msg

    def _purchase_events(self, day: int, msg: np.ndarray) -> Events:
        rng = self.rng
        logged = msg[self.log.logged[msg]]
        extra = logged[rng.random(len(logged)) < 0.07]  # a second purchase event minutes later
        ts = cal.day_start_ts(day) + rng.integers(8 * 3600, 86000, len(logged))
        m = np.concatenate([logged, extra])
        t = np.concatenate([ts, ts[: len(extra)] + rng.integers(60, 1800, len(extra))])
        return Events(m, np.full(len(m), PURCHASE), t)

    # --- the target -----------------------------------------------------------------------
    def true_probability(self) -> np.ndarray:
        """P(purchase in the 90 days after LAST_DAY | everything the simulation knows)."""
        c, s, p = self.c, self.s, self.p
        h = cal.TARGET_DAYS
        season = self.season[cal.N_DAYS :].mean()
        r = p.dormant_factor
        active_days = -np.expm1(-c.lapse_rate * h) / c.lapse_rate  # expected, if active now
        exposure = np.where(s.alive, active_days + r * (h - active_days), r * h)
        # future clicks: at the recent rate while the client stays as is, fewer once an active one lapses
        e = p.dormant_engagement
        click_exposure = np.where(s.alive, active_days + r * e * (h - active_days), r * h)
        level_now = np.where(s.alive, 1.0, r)
        tau = p.click_boost_days
        click_rate = s.clicks_recent / 60.0
        boost_now = s.boost * tau * -np.expm1(-h / tau)
        hazard = c.repeat_rate * season * (exposure + click_exposure * p.click_boost * click_rate * tau
                                           + level_now * p.click_boost * boost_now)  # fmt: skip
        return np.where(c.is_buyer, -np.expm1(-hazard), 0.0)


def _concat_sends(parts: list[Sends]) -> Sends:
    if not parts:
        e = np.empty(0, np.int64)
        return Sends(e, e.astype(np.int8), e, e)
    return Sends(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                   ("client", "channel", "campaign", "ts")))  # fmt: skip


__all__ = ["EMAIL", "PUSH", "ApparelSimulation", "Day"]
