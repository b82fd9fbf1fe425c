"""Every message the shop sent: who got it, from which campaign, on which channel, when.

A message id is `{client_id}-{bulk_campaign_id}-{uniqid}`, where uniqid is PHP's: 8 hex digits of the
send's unix seconds and 5 of its microseconds. Messages sent before the log starts are kept too
(`logged` false): purchases still carry their links, but the messages file never shows them.
"""

import numpy as np

from scoring.generate import calendar as cal
from scoring.generate.apparel_messages import EMAIL, PUSH, Sends


class MessageLog:
    """Append-only columns, grown in place (about 9M messages at scale 1.0)."""

    def __init__(self, capacity: int = 1 << 16) -> None:
        self.n = 0
        self.owner = np.empty(capacity, np.int64)
        self.campaign = np.empty(capacity, np.int32)
        self.channel = np.empty(capacity, np.int8)
        self.ts = np.empty(capacity, np.int64)
        self.usec = np.empty(capacity, np.int32)
        self.logged = np.empty(capacity, bool)

    def _grow(self, extra: int) -> None:
        need = self.n + extra
        if need <= len(self.owner):
            return
        size = max(need, 2 * len(self.owner))
        for name in ("owner", "campaign", "channel", "ts", "usec", "logged"):
            old = getattr(self, name)
            new = np.empty(size, old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def _append(self, rng: np.random.Generator, owner, campaign, channel, ts, logged: bool) -> np.ndarray:
        k = len(owner)
        self._grow(k)
        sl = slice(self.n, self.n + k)
        self.owner[sl], self.campaign[sl], self.channel[sl], self.ts[sl] = (
            owner,
            campaign,
            channel,
            ts,
        )
        self.usec[sl] = rng.integers(0, 1_000_000, k)
        self.logged[sl] = logged
        self.n += k
        return np.arange(sl.start, sl.stop, dtype=np.int64)

    def add(self, rng: np.random.Generator, sends: Sends) -> np.ndarray:
        """Register today's sends; returns their message indices."""
        return self._append(rng, sends.client, sends.campaign, sends.channel, sends.ts, True)

    def add_unlogged(self, rng: np.random.Generator, owner: int, day: int) -> int:
        """A message from a campaign sent up to five months before the log starts."""
        sent_day = min(day, cal.day_index(cal.FIRST_MESSAGE_DAY)) - rng.uniform(1, 150)
        campaign = int(cal.campaign_id_at(np.array([sent_day]))[0])
        ts = cal.day_start_ts(0) + int(sent_day * 86400)
        channel = EMAIL if rng.random() < 0.6 else PUSH
        idx = self._append(rng, [owner], [campaign], [channel], [ts], False)
        return int(idx[0])
