"""The campaign sections of a run's report: put in after the run (the report keeps its sections), after the
task's own sections, replaced whole by the next campaign; who was chosen, the rule, exclusions, offers'
mix, the control group and the results."""

import json
import re
from datetime import date, datetime

import polars as pl
import pytest

from scoring.decide.offer_rules import ACTIVITY_DECLINE
from scoring.report import Section, Text, write_report
from scoring.report.campaign_sections import CampaignView, campaign_sections
from scoring.report.render import SECTIONS_FILE, replace_sections
from scoring.tasks import TASKS

pytestmark = pytest.mark.filterwarnings("ignore::PendingDeprecationWarning:shap.*")
RULES = TASKS["activity_decline"].campaign
REMINDER = "a reminder of the 3 items left in their basket"


def _view(campaign_id: str, result: dict | None = None, hour: int = 10) -> CampaignView:
    members = pl.DataFrame(
        {
            "campaign_id": campaign_id,
            "client_id": list(range(215_300, 215_320)),
            "group": ["control" if i % 10 == 0 else "treatment" for i in range(20)],
            "probability": [0.9 - i / 100 for i in range(20)],
            "expected_value": [1.0 - i / 50 for i in range(20)],
            "offer_rule": ["unpaid basket"] * 12 + ["promo buyer"] * 8,
            "offer": ["a reminder of the 3 items left in their basket"] * 12
            + ["a promo code for Косметика"] * 8,
            "reason": "Raises the risk of a decline: pages viewed per visit (3 months): 4.",
        }
    )
    counts = {
        "scored": 100, "excluded": {"offers not allowed (is_offers_allowed is false)": 30}, "eligible": 70,
        "selected": 20, "treatment": 18, "control": 2, "selected_with_negative_expected_value": 0,
        "expected_value_treatment": 12.5, "contact_cost_treatment": 0.18,
        "offers": {"unpaid basket": 12, "promo buyer": 8},
    }  # fmt: skip
    parameters = {
        "control_share": 0.1, "seed": 42, "value_column": "avg_monthly_profit_3m", "offer_effect": 0.2,
        "offer_effects": {"unpaid basket": 0.25}, "contact_cost": 0.01,
    }  # fmt: skip
    row = {
        "campaign_id": campaign_id, "model_run_id": "run", "as_of_date": date(2024, 3, 1),
        "created_at": datetime(2024, 3, 1, hour), "selection": "the 20 best by expected value",
        "parameters": json.dumps(parameters), "counts": json.dumps(counts), "export_path": "/x.csv",
    }  # fmt: skip
    return CampaignView(row, members, result)


@pytest.fixture
def written(run_and_data, tmp_path):
    result, frame = run_and_data
    own = Section("segments", "Segment sizes", "The task's own section.", (Text("x"),))
    return write_report(result, frame, tmp_path, extra_sections=[own]).parent


def _headings(path) -> list[str]:
    return re.findall(r"<h2>(.*?)</h2>", path.read_text(encoding="utf-8"))


def test_campaign_sections_follow_the_tasks_own_sections_and_replace_the_earlier_ones(written):
    first = campaign_sections([_view("c-1")], pl.DataFrame(), ACTIVITY_DECLINE, RULES)
    path = replace_sections(written, first, prefix="campaign")
    headings = _headings(path)
    assert headings[:5] == [
        "Summary",
        "Segment sizes",
        "Campaigns on these scores",
        "Campaign c-1",
        "Offer rules",
    ]
    second = campaign_sections([_view("c-1"), _view("c-2", hour=11)], pl.DataFrame(), ACTIVITY_DECLINE, RULES)
    headings = _headings(replace_sections(written, second, prefix="campaign"))
    assert headings.count("Campaigns on these scores") == 1 and headings.count("Campaign c-1") == 1
    assert headings.index("Campaign c-2") < headings.index("Campaign c-1")  # newest first


def test_a_campaign_section_shows_the_rule_exclusions_offers_mix_and_control_group(written):
    sections = campaign_sections([_view("c-1")], pl.DataFrame(), ACTIVITY_DECLINE, RULES)
    html = replace_sections(written, sections, prefix="campaign").read_text(encoding="utf-8")
    assert "Rule: the 20 best by expected value." in html
    assert "offers not allowed (is_offers_allowed is false)</td><td>30" in html
    assert f"<td>unpaid basket</td><td>{REMINDER}</td><td>12</td>" in html
    assert "held out: 10% of the selected, seed 42" in html
    assert "<td>215301</td>" in html  # ids as written, not as numbers with separators


def test_results_and_uplift_at_k_are_shown_once_measured(written):
    result = {
        "window_start": date(2024, 3, 2), "window_end": date(2024, 5, 30), "treatment_rate": 0.25,
        "treatment_clients": 18, "control_rate": 0.1, "control_clients": 2, "uplift": 0.15,
        "uplift_ci_low": -0.1, "uplift_ci_high": 0.4,
    }  # fmt: skip
    at_k = pl.DataFrame({
        "k_share": [0.1, 1.0], "campaigns": [1, 1], "treatment_rate": [0.5, 0.25],
        "treatment_clients": [2, 18], "control_rate": [0.0, 0.1], "control_clients": [0, 2],
        "uplift": [None, 0.15],
    })  # fmt: skip
    sections = campaign_sections([_view("c-1", result)], at_k, ACTIVITY_DECLINE, RULES)
    html = replace_sections(written, sections, prefix="campaign").read_text(encoding="utf-8")
    assert "Did the campaigns work?" in _headings(written / "report.html")
    assert "<td>15.00%</td><td>-10.00% to 40.00%</td>" in html


def test_a_report_written_without_its_sections_cannot_take_new_ones(written):
    (written / SECTIONS_FILE).unlink()
    assert replace_sections(written, (), prefix="campaign") is None
