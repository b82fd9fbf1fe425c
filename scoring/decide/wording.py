"""Features in plain words: what a column measures, as a phrase a reason can put a client's value in.

A `Wording` says how a value reads: a count puts the number before the phrase ("3 e-mails opened in the last
90 days", "no e-mail opened ..." for 0), a measure after it ("days since the last purchase: 120"). The
one-click features are named one by one; the apparel features follow their naming rule
(`<measure>_<event>_<channel>_<window>`), so the phrase is built from the parts; anything else falls back to
its name with spaces.
"""

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Wording:
    """How a feature reads: `phrase` after a number (count) or after its name and a colon (measure)."""

    phrase: str
    kind: str = "measure"  # count | measure | flag | category
    none: str = (
        ""  # the phrase for a zero count ("no e-mail opened in the last 90 days"); empty: "0 <phrase>"
    )


ONE_CLICK = {
    "avg_pages_per_visit_3m": Wording("pages viewed per visit (3 months)"),
    "avg_categories_per_visit": Wording("categories viewed per visit"),
    "minutes_current_month": Wording("minutes on the site this month", "count"),
    "minutes_previous_month": Wording("minutes on the site last month", "count"),
    "share_promo_purchases_6m": Wording("share of purchases on promotion (6 months)"),
    "count_unpaid_items_3m": Wording(
        "items left unpaid in the basket (3 months)", "count", "no item left unpaid in the basket"
    ),
    "avg_marketing_contacts_6m": Wording("marketing contacts per month (6 months)"),
    "count_marketing_contacts_current_month": Wording("marketing contacts this month", "count"),
    "count_service_errors": Wording("service errors met", "count", "no service error met"),
    "days_since_registration": Wording("days since registration", "count"),
    "top_category": Wording("favourite category", "category"),
    "service_type": Wording("service level", "category"),
    "is_offers_allowed": Wording("allows offers", "flag"),
    "revenue_current_month": Wording("revenue this month"),
    "revenue_previous_month": Wording("revenue last month"),
    "revenue_two_months_ago": Wording("revenue two months ago"),
}

_CHANNELS = {"email": "e-mail", "mobile_push": "push"}
# event -> (plural noun with its verb, singular for "no ...")
_EVENTS = {
    "send": ("messages received", "message received"),
    "open": ("messages opened", "message opened"),
    "click": ("clicks in messages", "click in a message"),
    "purchase_event": ("purchases from messages", "purchase from a message"),
    "hard_bounce": ("hard bounces", "hard bounce"),
    "soft_bounce": ("soft bounces", "soft bounce"),
    "hbq_spam": ("spam blocks", "spam block"),
    "complain": ("complaints", "complaint"),
    "unsubscribe": ("unsubscribes", "unsubscribe"),
    "subscribe": ("subscribes", "subscribe"),
    "close": ("closes", "close"),
}
_PURCHASES = {
    "count_purchase_days": ("days with a purchase", "purchase"),
    "count_orders": ("orders", "order"),
    "count_items": ("items bought", "item bought"),
}
_MONEY = {
    "sum_revenue": "money spent",
    "mean_order_revenue": "mean order value",
    "max_order_revenue": "largest order",
}
_EVENT_NAMES = "|".join(sorted(_EVENTS, key=len, reverse=True))
_CHANNEL_NAMES = "|".join(_CHANNELS)


def _window(window: str) -> str:
    if window == "lifetime":
        return "ever"
    if window.startswith("prev_"):
        days = window.removeprefix("prev_").removesuffix("d")
        return f"in the {days} days before the last {days}"
    return f"in the last {window.removesuffix('d')} days"


def _on(channel: str | None) -> str:
    return f" by {_CHANNELS[channel]}" if channel else ""


def _message_count(event: str, channel: str | None, window: str) -> Wording:
    plural, singular = _EVENTS[event]
    if channel == "email":
        plural, singular = plural.replace("messages", "e-mails"), singular.replace("message", "e-mail")
        where = ""
    else:
        where = _on(channel)
    return Wording(f"{plural}{where} {_window(window)}", "count", f"no {singular}{where} {_window(window)}")


def _apparel(name: str) -> Wording | None:
    """The wording of an apparel feature from its name, or None when the name follows no known rule."""
    if m := re.fullmatch(rf"count_({_EVENT_NAMES})(?:_({_CHANNEL_NAMES}))?_(\w+?d|lifetime|prev_90d)", name):
        return _message_count(m[1], m[2], m[3])
    if m := re.fullmatch(rf"days_since_last_({_EVENT_NAMES}|purchase|click|opt_out|hard_failure|opt_in)"
                         rf"(?:_({_CHANNEL_NAMES}))?", name):  # fmt: skip
        what = {"opt_out": "opt-out", "hard_failure": "hard bounce", "opt_in": "opt-in"}.get(m[1], m[1])
        what = _EVENTS.get(what, (what, what))[1] if what in _EVENTS else what
        return Wording(f"days since the last {what}{_on(m[2])}")
    if m := re.fullmatch(r"(count_purchase_days|count_orders|count_items)_(\w+?d|lifetime)", name):
        plural, singular = _PURCHASES[m[1]]
        return Wording(f"{plural} {_window(m[2])}", "count", f"no {singular} {_window(m[2])}")
    if m := re.fullmatch(r"(sum_revenue|mean_order_revenue|max_order_revenue)_(\w+?d|lifetime)", name):
        return Wording(f"{_MONEY[m[1]]} {_window(m[2])} (roubles)")
    if m := re.fullmatch(rf"rate_(\w+?)_per_(\w+?)(?:_({_CHANNEL_NAMES}))?_(\w+?d|lifetime)", name):
        return Wording(f"{m[1].replace('_event', '')}s per {m[2].replace('_event', '')}{_on(m[3])} "
                       f"{_window(m[4])}")  # fmt: skip
    if m := re.fullmatch(r"share_items_top_category_(\w+)_lifetime", name):
        return Wording(f"share of items bought in category {m[1]}")
    if m := re.fullmatch(rf"is_({_CHANNEL_NAMES})_subscribed", name):
        return Wording(f"subscribed to {_CHANNELS[m[1]]}", "flag")
    if m := re.fullmatch(rf"({_CHANNEL_NAMES})_subscription_state", name):
        return Wording(f"{_CHANNELS[m[1]]} subscription", "category")
    if m := re.fullmatch(r"mean_campaign_(base_)?(open|click|purchase)_rate_(\w+?d|lifetime)", name):
        base = "base " if m[1] else ""
        return Wording(f"mean {base}{m[2]} rate of the campaigns received {_window(m[3])}")
    if m := re.fullmatch(r"trend_(\w+)_90d", name):
        return Wording(f"change in {m[1].replace('_', ' ')} over the last 90 days against the 90 before")
    return None


SPECIAL = {
    "has_purchase_history": Wording("has bought before", "flag"),
    "days_since_first_purchase": Wording("days since the first purchase"),
    "days_since_first_seen": Wording("days since first seen"),
    "mean_days_between_purchase_days": Wording("mean days between purchase days"),
    "max_days_between_purchase_days": Wording("longest gap between purchase days (days)"),
    "days_between_last_two_purchase_days": Wording("days between the last two purchase days"),
    "count_distinct_top_categories_lifetime": Wording("top-level categories bought in", "count"),
    "count_distinct_leaf_categories_lifetime": Wording("distinct products categories bought in", "count"),
    "entropy_top_categories_lifetime": Wording("spread of purchases over categories (entropy)"),
}


def wording(feature: str) -> Wording:
    """How `feature` reads in a reason."""
    found = ONE_CLICK.get(feature) or SPECIAL.get(feature) or _apparel(feature)
    return found or Wording(feature.replace("_", " "))
