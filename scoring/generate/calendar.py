"""The apparel data's calendar: its date range, seasonality, sale days and campaign-id clock.

The numbers come from ../shared/data/apparel/PROFILE.md (sections 1.2 and 1.5): purchases peak in June and
November-December, a few sale days carry 7-14 times an ordinary day, message volume grows strongly in late
2023, and campaign ids grow with time (4301 in May 2022, 14648 in February 2024).
"""

from datetime import date, datetime, timedelta

import numpy as np

FIRST_DAY = date(2022, 5, 16)  # first purchase date in the real data
LAST_DAY = date(2024, 2, 16)  # last purchase date; the target window starts the day after
FIRST_MESSAGE_DAY = date(2022, 5, 19)
LAST_MESSAGE_DAY = date(2024, 2, 15)
TARGET_DAYS = 90
N_DAYS = (LAST_DAY - FIRST_DAY).days + 1
EPOCH = datetime(1970, 1, 1)

# Purchase intensity by calendar month (1 = an ordinary month).
PURCHASE_MONTH = {1: 0.8, 2: 0.75, 3: 0.9, 4: 1.0, 5: 1.0, 6: 1.3, 7: 0.95, 8: 0.85, 9: 0.9,
                  10: 1.0, 11: 1.45, 12: 1.35}  # fmt: skip
# The busiest purchase days of the real data, as a multiple of an ordinary day.
PURCHASE_SALE_DAYS = {
    date(2022, 11, 11): 13.0,
    date(2023, 6, 10): 10.0,
    date(2023, 4, 28): 8.5,
    date(2022, 6, 2): 7.5,
    date(2022, 11, 15): 7.0,
    date(2022, 12, 22): 6.5,
}
# The busiest message days: more campaigns go out.
MESSAGE_SALE_DAYS = {
    date(2023, 6, 10): 4.0,
    date(2024, 1, 26): 3.6,
    date(2023, 12, 11): 3.4,
    date(2023, 12, 10): 3.4,
    date(2022, 11, 11): 2.5,
    date(2023, 4, 28): 2.0,
}
# Message volume (campaigns per day) over time: piecewise linear between these points. The real
# quartiles of message dates (2022-12-19, 2023-07-20, 2023-11-21) imply roughly this growth.
MESSAGE_TREND = [
    (date(2022, 5, 16), 0.75),
    (date(2022, 12, 31), 0.85),
    (date(2023, 6, 30), 1.1),
    (date(2023, 10, 1), 1.5),
    (date(2024, 2, 16), 2.1),
    (date(2024, 5, 16), 2.1),
]
# Campaign ids grow with time; these points reproduce the real quantiles of bulk_campaign_id by date.
CAMPAIGN_ID_CLOCK = [
    (date(2021, 12, 1), 2090),
    (date(2022, 5, 17), 4301),
    (date(2022, 12, 19), 8746),
    (date(2023, 7, 20), 13516),
    (date(2023, 11, 21), 14158),
    (date(2024, 2, 15), 14657),
    (date(2024, 5, 15), 15150),
]


def day_index(d: date) -> int:
    """Days since FIRST_DAY (day 0)."""
    return (d - FIRST_DAY).days


def day_date(i: int) -> date:
    return FIRST_DAY + timedelta(days=int(i))


def day_start_ts(i: int) -> int:
    """Unix seconds at midnight of day i."""
    return int((datetime.combine(day_date(i), datetime.min.time()) - EPOCH).total_seconds())


def _piecewise(points: list[tuple[date, float]], days: np.ndarray) -> np.ndarray:
    xs = np.array([day_index(d) for d, _ in points], dtype=float)
    ys = np.array([v for _, v in points], dtype=float)
    return np.interp(days, xs, ys)


def purchase_season(n_days: int) -> np.ndarray:
    """Relative purchase intensity for days 0..n_days-1 (may run past LAST_DAY)."""
    out = np.empty(n_days)
    for i in range(n_days):
        d = day_date(i)
        factor = 1.25 if d.year == 2022 and d.month in (11, 12) else 1.0
        out[i] = PURCHASE_MONTH[d.month] * factor * PURCHASE_SALE_DAYS.get(d, 1.0)
    return out


def message_volume(n_days: int) -> np.ndarray:
    """Relative number of campaigns sent per day for days 0..n_days-1."""
    days = np.arange(n_days)
    trend = _piecewise(MESSAGE_TREND, days)
    sale = np.array([MESSAGE_SALE_DAYS.get(day_date(i), 1.0) for i in days])
    return trend * sale


def campaign_id_at(days: np.ndarray) -> np.ndarray:
    """The campaign id the shop's mailing system would hand out at (fractional) day `days`."""
    return _piecewise(CAMPAIGN_ID_CLOCK, days)
