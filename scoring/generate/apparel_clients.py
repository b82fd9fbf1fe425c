"""The simulated clients of the apparel shop: who they are and how they tend to behave.

Every client gets latent traits drawn once: when they arrive, how often they buy and how soon they lapse,
which channels they are subscribed to, how readily they open and click, what they buy and at what price.
The simulation (apparel_sim.py) turns these traits into events day by day.
"""

from dataclasses import dataclass

import numpy as np

from scoring.generate import calendar as cal
from scoring.generate.catalog import ROOT_NAMES, ROOTS

FIRST_CLIENT_ID = 1515915625468060902  # smallest id in the real target file


@dataclass(frozen=True)
class ApparelParams:
    """Tunable behaviour. Defaults are calibrated against PROFILE.md section 3 at scale 1.0."""

    n_buyers: int = 49_849  # clients with a purchase in the data (all of them are in the target)
    n_message_only: int = 11_347  # clients who only receive messages
    share_buyers_with_messages: float = 0.842  # 15.8% of target clients have no messages
    acq_early_boost: float = 1.6  # the stock of existing clients buys early in the window
    acq_early_days: float = 110.0
    repeat_rate_mean: float = 0.00042  # repeat purchases per day while active
    repeat_rate_shape: float = 0.45  # gamma shape: most clients buy rarely, a few often
    lapse_rate_mean: float = 0.004  # daily hazard of going dormant
    dormant_factor: float = 0.07  # a dormant client still buys, at this fraction of their rate
    # A lapsed client also stops reading the shop's messages: they open (and so click) at this fraction of
    # their propensity, as real lapsed customers do; without it only purchases would reveal dormancy.
    dormant_engagement: float = 0.2
    click_boost: float = 6.0  # purchase odds multiplier per recent click
    click_boost_days: float = 3.0  # decay time of that effect
    basket_extra_items: float = 1.2  # mean items per order beyond the first
    duplicate_row_share: float = 0.31  # purchase rows repeated exactly (same item bought again)
    email_only: float = 0.30
    push_only: float = 0.32  # the rest get both channels
    subscribe_lead_days: float = 160.0  # how long before the first purchase a client subscribes


@dataclass(frozen=True)
class Clients:
    """One entry per client; buyers first, then message-only clients."""

    client_id: np.ndarray
    is_buyer: np.ndarray
    acq_day: np.ndarray  # day of first purchase; a large number for message-only clients
    repeat_rate: np.ndarray
    lapse_rate: np.ndarray
    basket: np.ndarray
    price_mult: np.ndarray
    root_pref: np.ndarray
    has_messages: np.ndarray
    sub_day: np.ndarray
    email: np.ndarray
    push: np.ndarray
    inclusion: np.ndarray  # how often campaigns include the client
    open_p: np.ndarray  # shape (2, n): email, push
    click_p: np.ndarray  # shape (2, n)
    soft_bounce_p: np.ndarray
    spam_p: np.ndarray
    unsub_p: np.ndarray
    complain_p: np.ndarray
    token_fail_day: np.ndarray  # push token stops working; sends bounce from then on

    @property
    def n(self) -> int:
        return len(self.client_id)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _acquisition_days(rng: np.random.Generator, n: int, p: ApparelParams) -> np.ndarray:
    days = np.arange(cal.N_DAYS)
    weight = cal.purchase_season(cal.N_DAYS) * (1.0 + p.acq_early_boost * np.exp(-days / p.acq_early_days))
    return rng.choice(days, size=n, p=weight / weight.sum())


def _client_ids(rng: np.random.Generator, registration: np.ndarray) -> np.ndarray:
    """19-digit ids that grow with registration time, with the real heavy-tailed gaps."""
    order = np.argsort(registration + rng.normal(0, 20, len(registration)), kind="stable")
    gaps = np.minimum(rng.lognormal(np.log(900.0), 2.0, len(order)), 2.3e6).astype(np.int64) + 1
    ids = np.empty(len(order), dtype=np.int64)
    ids[order] = FIRST_CLIENT_ID + np.cumsum(gaps) - gaps[0]
    return ids


def _engagement(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Open and click propensities per channel from one latent engagement per client."""
    z = rng.normal(size=n)
    open_p = np.stack(
        [
            _sigmoid(-1.65 + 2.2 * z + rng.normal(0, 0.6, n)),  # email
            _sigmoid(-0.5 + 2.3 * z + rng.normal(0, 0.6, n)),  # push
        ]
    )
    click_p = np.stack(
        [
            _sigmoid(-2.5 + 0.45 * z + rng.normal(0, 0.75, n)),  # email, per send
            _sigmoid(-2.55 + 0.45 * z + rng.normal(0, 0.75, n)),  # push, per open
        ]
    )
    return open_p, click_p, z


def _channels(
    rng: np.random.Generator, has_msg: np.ndarray, p: ApparelParams
) -> tuple[np.ndarray, np.ndarray]:
    """Email only, push only, or both, for clients who get messages at all."""
    u = rng.random(len(has_msg))
    email = has_msg & (u >= p.email_only + p.push_only) | has_msg & (u < p.email_only)
    push = has_msg & (u >= p.email_only)
    return email, push


def draw_clients(rng: np.random.Generator, p: ApparelParams) -> Clients:
    """Draw every client's traits."""
    nb, nm = p.n_buyers, p.n_message_only
    n = nb + nm
    is_buyer = np.arange(n) < nb
    acq = np.where(is_buyer, _acquisition_days(rng, n, p), 10**6)
    has_msg = ~is_buyer | (rng.random(n) < p.share_buyers_with_messages)
    lead = rng.exponential(p.subscribe_lead_days, n)
    msg_only_start = rng.choice(cal.N_DAYS, n, p=_message_base_growth())
    sub_day = np.where(is_buyer, acq - lead, msg_only_start).astype(np.int64)
    sub_day = np.maximum(sub_day, cal.day_index(cal.FIRST_MESSAGE_DAY))
    email, push = _channels(rng, has_msg, p)
    open_p, click_p, z = _engagement(rng, n)
    rate = rng.gamma(p.repeat_rate_shape, p.repeat_rate_mean / p.repeat_rate_shape, n)
    rate = rate * np.exp(0.35 * z - 0.06)
    root_w = np.array([ROOTS[r][0] for r in ROOT_NAMES])
    fail = rng.random(n) < 0.013
    return Clients(
        client_id=_client_ids(rng, np.minimum(acq, sub_day)),
        is_buyer=is_buyer,
        acq_day=acq,
        repeat_rate=np.where(is_buyer, rate, 0.0),
        lapse_rate=rng.gamma(1.5, p.lapse_rate_mean / 1.5, n),
        basket=rng.gamma(0.5, p.basket_extra_items / 0.5, n),
        price_mult=rng.lognormal(0.0, 0.3, n),
        root_pref=rng.choice(len(ROOT_NAMES), n, p=root_w / root_w.sum()),
        has_messages=has_msg,
        sub_day=sub_day,
        email=email,
        push=push,
        inclusion=rng.gamma(5.0, 0.2, n),
        open_p=open_p,
        click_p=click_p,
        soft_bounce_p=np.where(rng.random(n) < 0.05, 0.04, 0.0004),
        spam_p=np.where(rng.random(n) < 0.01, 0.02, 0.0),
        unsub_p=0.0028 * rng.lognormal(0, 0.8, n),
        complain_p=np.where(rng.random(n) < 0.02, 0.025, 0.0),
        token_fail_day=np.where(fail, rng.integers(0, cal.N_DAYS + 90, n), 10**6),
    )


def _message_base_growth() -> np.ndarray:
    """When message-only clients join the base: a stock at the start, then growing sign-ups."""
    w = np.linspace(1.0, 2.5, cal.N_DAYS)
    w[cal.day_index(cal.FIRST_MESSAGE_DAY)] += 0.3 * w.sum()
    return w / w.sum()
