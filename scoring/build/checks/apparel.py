"""The apparel task's raw files, as the checks expect them (see dbt_project/models/staging/apparel/)."""

from scoring.build.checks.spec import (
    Column,
    Date,
    Decimal,
    FileSpec,
    Id,
    Integer,
    Like,
    OneOf,
    Pattern,
    Timestamp,
)

EVENTS = (
    "send", "open", "click", "purchase", "hard_bounce", "soft_bounce", "unsubscribe", "hbq_spam", "complain",
    "subscribe", "close",
)  # fmt: skip
CHANNELS = ("email", "mobile_push")

# Limits that mark a value as absurd rather than rare. Real data: quantity 1..30 (1 in 99.6 % of rows), price
# 1..85,499 roubles; a price in kopecks or a quantity that is an article number lands far beyond these.
MAX_QUANTITY = 1_000
MAX_PRICE = 1_000_000.0
MAX_CAMPAIGN_COUNT = 10**9  # events of one campaign on one day, over the whole mailing base

# client-campaign-hash: the staging splits it on '-' into the client, the campaign and PHP's uniqid (13 hex
# digits: the send time), so an id with '_' for '-', or a cut hash, would turn into nulls there. A regular
# expression costs about 0.5 s per million rows (0.7 s for the 1.3M message rows of scale 0.1 on a loaded
# machine; LIKE '%_-%_-%_' took 0.66 s and caught neither).
MESSAGE_ID = Pattern(
    "[0-9]{1,19}-[0-9]{1,10}-[0-9a-f]{13}",
    "message ids of the form client-campaign-hash, like 1515915625468169594-4301-627b661e9736d (digits, '-', "
    "digits, '-', 13 hex digits)",
)

PURCHASES = FileSpec(
    stem="apparel-purchases",
    columns=(
        Column("client_id", Id()),
        Column("quantity", Integer(1, MAX_QUANTITY, "units")),
        Column("price", Decimal(0.0, MAX_PRICE, unit="roubles")),
        Column("category_ids", Like("[%]", "lists like ['4', '28', '57'] or []")),
        Column("date", Date()),
        Column("message_id", MESSAGE_ID),
    ),
)

MESSAGES = FileSpec(
    stem="apparel-messages",
    columns=(
        Column("bulk_campaign_id", Integer()),
        Column("client_id", Id()),
        Column("message_id", MESSAGE_ID),
        Column("event", OneOf(EVENTS)),
        Column("channel", OneOf(CHANNELS)),
        Column("date", Date()),
        Column("created_at", Timestamp()),
    ),
)

TARGET = FileSpec(
    stem="apparel-target_binary",
    columns=(Column("client_id", Id()), Column("target", OneOf(("0", "1")))),
    unique=("client_id",),
)


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


def _campaign_file(stem: str, counts: tuple[str, ...]) -> FileSpec:
    return FileSpec(
        stem=stem,
        columns=(
            Column("date", Date()),
            Column("bulk_campaign_id", Integer()),
            *(Column(name, Integer(0, MAX_CAMPAIGN_COUNT, "events")) for name in counts),
        ),
        unique=("date", "bulk_campaign_id"),
    )


_DAILY_EVENTS = (
    "click", "complain", "hard_bounce", "open", "purchase", "send", "soft_bounce", "subscribe", "unsubscribe",
)  # fmt: skip
DAILY_EVENT = _campaign_file(
    "full_campaign_daily_event",
    (
        *(f"count_{e}" for e in _DAILY_EVENTS),
        *(f"nunique_{e}" for e in _DAILY_EVENTS),
        "count_hbq_spam", "nunique_hbq_spam", "count_close", "nunique_close",
    ),
)  # fmt: skip
# In file order, as published (dbt_project/models/staging/apparel/_apparel__sources.yml).
DAILY_EVENT_CHANNEL = _campaign_file(
    "full_campaign_daily_event_channel",
    _names(
        """
        count_click_email count_click_mobile_push count_open_email count_open_mobile_push count_purchase_email
        count_purchase_mobile_push count_soft_bounce_email count_subscribe_email count_unsubscribe_email
        nunique_click_email nunique_click_mobile_push nunique_open_email nunique_open_mobile_push
        nunique_purchase_email nunique_purchase_mobile_push nunique_soft_bounce_email nunique_subscribe_email
        nunique_unsubscribe_email count_hard_bounce_mobile_push count_send_mobile_push
        nunique_hard_bounce_mobile_push nunique_send_mobile_push count_hard_bounce_email count_hbq_spam_email
        count_send_email nunique_hard_bounce_email nunique_hbq_spam_email nunique_send_email
        count_soft_bounce_mobile_push nunique_soft_bounce_mobile_push count_complain_email
        nunique_complain_email count_close_mobile_push nunique_close_mobile_push
        """
    ),
)

APPAREL = {spec.stem: spec for spec in (PURCHASES, MESSAGES, TARGET, DAILY_EVENT, DAILY_EVENT_CHANNEL)}
