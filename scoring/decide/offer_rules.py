"""The offer rules of each task: configuration, read in order, the first rule that holds gives the client's
offer (scoring.decide.offers evaluates them). Edit them here; a task without its own rules gets GENERIC.

`raises` / `lowers` speak of the task's predicted probability: for activity_decline the risk of a decline,
for purchase_90d the chance of a purchase. Each rule may carry its own assumed effect (else the task's
CampaignRules.offer_effect), which the campaign's expected value uses.
"""

from scoring.decide.offers import Condition, OfferRule

# The one-click analysis' findings: unpaid baskets, promo hunters, service errors and short visits drive the
# risk; a favourite category that keeps clients buying (small appliances, beauty tech) lowers it.
ACTIVITY_DECLINE = (
    OfferRule(
        "unpaid basket",
        "a reminder of the {count_unpaid_items_3m} items left in their basket, with a time-limited discount",
        (Condition("count_unpaid_items_3m", "raises"), Condition("count_unpaid_items_3m", "at_least", 1)),
        effect=0.25,
    ),
    OfferRule(
        "promo buyer",
        "a personal promo code for {top_category}",
        (Condition("share_promo_purchases_6m", "at_least", 0.5),),
        effect=0.25,
    ),
    OfferRule(
        "service errors",
        "an apology with a goodwill bonus, and a check of the errors they met",
        (Condition("count_service_errors", "raises"),),
    ),
    OfferRule(
        "short visits",
        "personal recommendations in {top_category} to bring them back to browse",
        (Condition("avg_pages_per_visit_3m", "raises"),),
    ),
    OfferRule(
        "category that keeps them",
        "new arrivals in {top_category}, the category that keeps them buying",
        (Condition("top_category", "lowers"),),
    ),
    OfferRule(
        "few contacts",
        "a regular newsletter with offers in {top_category}: they hear little from the store",
        (Condition("avg_marketing_contacts_6m", "raises"),),
    ),
    OfferRule("favourite category", "an offer in their favourite category, {top_category}"),
)

# The apparel shop: clicks without a purchase, valuable clients drifting away, and the category a client buys.
_TOP_CATEGORIES = ("4", "2", "5562", "6060", "5963")  # dbt var apparel_top_category_ids
PURCHASE_90D = (
    OfferRule(
        "clicked, not bought",
        "a reminder of what they looked at, with free delivery",
        (Condition("count_click_30d", "at_least", 1), Condition("count_orders_30d", "equals", 0)),
        effect=0.15,
    ),
    OfferRule(
        "valuable, drifting away",
        "a win-back discount on their next order",
        (
            Condition("mean_order_revenue_lifetime", "above_median"),
            Condition("days_since_last_purchase", "lowers"),
        ),
        effect=0.15,
    ),
    *(
        OfferRule(
            f"category {category}",
            f"new arrivals in category {category}, where they buy most",
            (Condition(f"share_items_top_category_{category}_lifetime", "at_least", 0.5),),
        )
        for category in _TOP_CATEGORIES
    ),
    OfferRule("best sellers", "the season's best sellers"),
)

GENERIC = (OfferRule("standard", "the standard offer of the season"),)

OFFER_RULES: dict[str, tuple[OfferRule, ...]] = {
    "activity_decline": ACTIVITY_DECLINE,
    "purchase_90d": PURCHASE_90D,
}


def rules_for(task_name: str) -> tuple[OfferRule, ...]:
    """The offer rules of the task called `task_name` (GENERIC when it has none of its own)."""
    return OFFER_RULES.get(task_name, GENERIC)
