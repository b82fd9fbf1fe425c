"""The report's campaign sections, for the run whose scores the campaigns were made from: every campaign with
who was chosen and by which rule, the excluded counts, the offers' mix and the control group; the offer rules;
and, once outcome windows have closed, the results (conversion, uplift with its interval, uplift at k)."""

import json
from dataclasses import dataclass

import numpy as np
import polars as pl

from scoring.decide.campaign import CONTROL, TREATMENT
from scoring.decide.offers import OfferRule, describe_rule
from scoring.report.blocks import Bullets, Section, Text, Tile, Tiles, fmt, image, new_figure, pct, table
from scoring.tasks import CampaignRules

SHOWN_CAMPAIGNS = 5  # the newest campaigns get a section each; the overview lists them all
SHOWN_MEMBERS = 10


@dataclass(frozen=True)
class CampaignView:
    """One campaign: its scoring.campaigns row, its members and its result (None while its window is open)."""

    row: dict
    members: pl.DataFrame
    result: dict | None = None

    @property
    def counts(self) -> dict:
        return json.loads(self.row["counts"])

    @property
    def parameters(self) -> dict:
        return json.loads(self.row["parameters"])


def _overview(views: list[CampaignView], rules: CampaignRules) -> Section:
    rows = []
    for view in views:
        c = view.counts
        created = f"{view.row['created_at']:%Y-%m-%d %H:%M}"
        excluded = sum(c["excluded"].values())
        groups = (c["selected"], c["treatment"], c["control"], excluded)
        rows.append(
            (view.row["campaign_id"], created, view.row["selection"], *groups, c["expected_value_treatment"])
        )
    listing = table(
        ("campaign", "created", "rule", "selected", "treatment", "control", "excluded", "expected value"),
        rows,
        f"Expected value of the treatment group, in {rules.value_label}: probability × value × the offer's "
        f"assumed effect − the contact cost ({rules.contact_cost:g} each).",
    )
    intro = (
        "Contact lists made from these scores with `scoring campaign`: who may not be contacted is excluded, "
        "the others are ranked by expected value and selected by the campaign's rule, and a seeded random "
        "control group of the selected is held out (not contacted) to measure what the campaign changed."
    )
    return Section("campaigns", "Campaigns on these scores", intro, (listing,))


def _offers_mix(members: pl.DataFrame) -> tuple:
    """Per offer rule: an example of its offer, the clients it took and their groups, largest first."""
    mix = members.group_by("offer_rule").agg(
        pl.col("offer").drop_nulls().first().alias("example"),
        pl.len().alias("selected"),
        (pl.col("group") == TREATMENT).sum().alias("treatment"),
        (pl.col("group") == CONTROL).sum().alias("control"),
        pl.col("expected_value").mean().alias("mean_ev"),
    )
    mix = mix.sort(["selected", "offer_rule"], descending=[True, False], nulls_last=True)
    total = members.height
    return tuple(
        (rule or "no rule", example or "no offer", n, pct(n / total), t, c, ev)
        for rule, example, n, t, c, ev in mix.iter_rows()
    )


def _groups_figure(members: pl.DataFrame):
    figure = new_figure(7.5, 3.2)
    axes = figure.subplots(1, 2)
    for column, ax in zip(("probability", "expected_value"), axes, strict=True):
        values = members[column].to_numpy()
        bins = np.histogram_bin_edges(values, bins=20) if len(values) else 10
        for group, colour in ((TREATMENT, "#2a6f97"), (CONTROL, "#dd8452")):
            part = members.filter(pl.col("group") == group)[column].to_numpy()
            ax.hist(part, bins=bins, density=True, alpha=0.55, color=colour, label=f"{group} ({len(part):,})")
        ax.set(xlabel=column.replace("_", " "), ylabel="density")
    axes[0].legend(fontsize=8)
    return figure


def _tiles(c: dict, p: dict, rules: CampaignRules) -> Tiles:
    held = f"held out: {p['control_share']:.0%} of the selected, seed {p['seed']}"
    return Tiles(
        (
            Tile("scored", f"{c['scored']:,}", "clients with scores"),
            Tile("excluded", f"{sum(c['excluded'].values()):,}", "may not be contacted"),
            Tile("selected", f"{c['selected']:,}", f"of {c['eligible']:,} eligible"),
            Tile("treatment", f"{c['treatment']:,}", "contacted: the CRM file"),
            Tile("control", f"{c['control']:,}", held),
            Tile("expected value", fmt(c["expected_value_treatment"]), f"treatment, {rules.value_label}"),
        )
    )


def _how(view: CampaignView) -> Text:
    c, p = view.counts, view.parameters
    per_offer = ", ".join(f"{k} {v:g}" for k, v in p["offer_effects"].items()) or "none"
    return Text(
        f"Rule: {view.row['selection']}. Value: {p['value_column']}; assumed offer effect "
        f"{p['offer_effect']:g} (per offer: {per_offer}); contact cost {p['contact_cost']:g}. Scores of run "
        f"{view.row['model_run_id']} as of {view.row['as_of_date']}. "
        f"{c['selected_with_negative_expected_value']:,} selected clients have a negative expected value. "
        f"The treatment group is in {view.row['export_path']} (and .parquet)."
    )


def _campaign_section(view: CampaignView, rules: CampaignRules) -> Section:
    c, members = view.counts, view.members
    exclusions = table(
        ("excluded because", "clients"),
        list(c["excluded"].items()) or [("nothing", 0)],
        "Each client counts under the first reason that applies.",
    )
    mix = table(
        ("offer rule", "its offer, e.g.", "selected", "share", "treatment", "control", "mean expected value"),
        _offers_mix(members),
        "The offers' mix: each client's offer comes from the first offer rule its reasons and data meet, "
        "filled with its own values.",
    )
    treated = members.filter(pl.col("group") == TREATMENT)
    top = treated.sort("expected_value", descending=True).head(SHOWN_MEMBERS)
    chosen = table(
        ("client", "probability", "expected value", "offer", "reason"),
        top.select(
            pl.col("client_id").cast(pl.String), "probability", "expected_value", "offer", "reason"
        ).rows(),
        f"Who was chosen: the {top.height} contacted clients with the highest expected value.",
    )
    groups = image(
        _groups_figure(members),
        "treatment and control groups",
        "The control group is drawn at random from the selected clients, so its probabilities and expected "
        "values spread like the treatment group's: what differs after the campaign is what the contact did.",
    )
    blocks = [_tiles(c, view.parameters, rules), _how(view), exclusions, mix, chosen, groups]
    if view.result is not None:
        blocks.append(_result_table([view]))
    key, title = f"campaign-{view.row['campaign_id']}", f"Campaign {view.row['campaign_id']}"
    return Section(key, title, f"Created {view.row['created_at']:%Y-%m-%d %H:%M}.", tuple(blocks))


def _result_table(views: list[CampaignView]):
    rows = []
    for view in views:
        r = view.result
        rows.append(
            (
                view.row["campaign_id"],
                f"{r['window_start']} to {r['window_end']}",
                f"{pct(r['treatment_rate'], 2)} of {r['treatment_clients']:,}",
                f"{pct(r['control_rate'], 2)} of {r['control_clients']:,}",
                pct(r["uplift"], 2),
                f"{pct(r['uplift_ci_low'], 2)} to {pct(r['uplift_ci_high'], 2)}",
            )
        )
    return table(
        ("campaign", "outcome window", "treatment converted", "control converted", "uplift", "95% interval"),
        rows,
        "Uplift = treatment's conversion − control's; the interval is Wald's for a difference of two "
        "proportions.",
    )


def _results_section(views: list[CampaignView], at_k: pl.DataFrame) -> Section | None:
    measured = [v for v in views if v.result is not None]
    if not measured:
        return None
    blocks = [_result_table(measured)]
    if at_k.height:
        rows = [
            (
                pct(r["k_share"], 0),
                r["campaigns"],
                f"{pct(r['treatment_rate'], 2)} of {r['treatment_clients']:,}",
                f"{pct(r['control_rate'], 2)} of {r['control_clients']:,}",
                pct(r["uplift"], 2),
            )
            for r in at_k.iter_rows(named=True)
        ]
        caption = (
            "Uplift at k: the top k of each campaign's members by expected value, both groups, pooled over "
            "every measured campaign of the task."
        )
        blocks.append(table(("top share", "campaigns", "treatment", "control", "uplift at k"), rows, caption))
    intro = "Campaigns whose outcome window has closed in the data: did the contacted clients convert more?"
    return Section("campaign-results", "Did the campaigns work?", intro, tuple(blocks))


def _rules_section(offer_rules: tuple[OfferRule, ...]) -> Section:
    intro = (
        "Each client's offer is the first of these rules that holds for it (configuration: "
        "scoring/decide/offer_rules.py). 'Raises' and 'lowers' read the client's strongest SHAP "
        "contributions."
    )
    rules = Bullets(tuple(map(describe_rule, offer_rules)))
    return Section("campaign-offer-rules", "Offer rules", intro, (rules,))


def campaign_sections(
    views: list[CampaignView], at_k: pl.DataFrame, offer_rules: tuple[OfferRule, ...], rules: CampaignRules
) -> tuple[Section, ...]:
    """The campaign sections, newest campaign first after the overview."""
    newest = sorted(views, key=lambda v: v.row["created_at"], reverse=True)[:SHOWN_CAMPAIGNS]
    found = [
        _overview(views, rules),
        *(_campaign_section(v, rules) for v in newest),
        _results_section(views, at_k),
        _rules_section(offer_rules),
    ]
    return tuple(s for s in found if s is not None)
