"""Campaigns put together: `scoring campaign` builds a contact list from the champion's latest scores
(scoring.decide.campaign), writes it (scoring.campaigns, campaign_members), exports the treatment group for
the CRM and adds a campaign section to the scores' report; `scoring campaign-results` measures every
campaign whose outcome window has closed in the data (scoring.decide.uplift) and writes the results.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl

from scoring.decide.campaign import Selection, campaign_id, plan_campaign
from scoring.decide.offer_rules import rules_for
from scoring.decide.offers import offer_effects
from scoring.decide.uplift import K_SHARES, conversion_uplift, uplift_at_k
from scoring.errors import ConfigError, DataError
from scoring.report.campaign_sections import CampaignView, campaign_sections
from scoring.report.render import replace_sections
from scoring.settings import Settings
from scoring.store import atomic, campaigns, warehouse
from scoring.store.marts import last_date, outcome_clients, read_client_columns
from scoring.tasks import TASKS, CampaignOutcome, Task, get_task

MEMBER_COLUMNS = (
    "campaign_id", "client_id", "group", "probability", "expected_value", "offer_rule", "offer", "reason",
)  # fmt: skip


@dataclass(frozen=True)
class CampaignRequest:
    """What a user asks for: the task, how many to select, the control share and the seed."""

    task: str
    selection: Selection
    control_share: float = 0.1
    seed: int = 42


@dataclass(frozen=True)
class CampaignMade:
    """A campaign as written (or as found, when the same one was asked before)."""

    campaign_id: str
    created: bool
    model_run_id: str
    selection: str
    counts: dict
    export_csv: Path
    export_parquet: Path
    report: Path | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _rules(task: Task):
    if task.campaign is None:
        raise ConfigError(f"The task {task.name!r} has no campaign rules (CampaignRules in scoring/tasks.py)")
    return task.campaign


def parameters(task: Task, request: CampaignRequest, model_run_id: str, as_of) -> dict:
    """Everything that makes a campaign what it is; its id is a digest of these."""
    rules = _rules(task)
    return {
        "task": task.name,
        "model_run_id": model_run_id,
        "as_of_date": str(as_of),
        "rule": request.selection.rule,
        "value": request.selection.value,
        "control_share": request.control_share,
        "seed": request.seed,
        "value_column": rules.value_column,
        "offer_effect": rules.offer_effect,
        "offer_effects": {r.name: r.effect for r in rules_for(task.name) if r.effect is not None},
        "contact_cost": rules.contact_cost,
        "exclusions": [e.reason for e in rules.exclusions],
    }


def _clients(settings: Settings, task: Task, scored: pl.DataFrame, as_of) -> pl.DataFrame:
    """The scored clients with their value, their offer's effect and the exclusions' columns."""
    rules = _rules(task)
    columns = tuple(dict.fromkeys((rules.value_column, *(e.column for e in rules.exclusions))))
    found = read_client_columns(settings, task, as_of, columns)
    clients = scored.join(found, on="client_id", how="left", maintain_order="left")
    missing = scored.join(found, on="client_id", how="anti")
    if missing.height:
        raise DataError(
            f"{missing.height} scored clients have no row in {task.feature_mart} at {as_of} (e.g. client_id "
            f"{missing['client_id'][0]}): the marts were rebuilt since; score again (make score)"
        )
    return clients.with_columns(
        value=pl.col(rules.value_column).cast(pl.Float64),
        offer_effect=offer_effects(rules_for(task.name), clients["offer_rule"], rules.offer_effect),
    )


def make_campaign(settings: Settings, request: CampaignRequest) -> CampaignMade:
    """Build, write and export a campaign; the same request on the same scores returns the one made before."""
    task = get_task(request.task)
    rules = _rules(task)
    with atomic.run_lock(settings.warehouse, "campaign"):
        run_id, as_of, scored = campaigns.acting_scores(settings.warehouse, task.name)
        params = parameters(task, request, run_id, as_of)
        cid = campaign_id(task.name, str(as_of), params)
        found = campaigns.read_campaigns(settings.warehouse, task.name)
        if found.height and cid in found["campaign_id"].to_list():
            row = found.filter(pl.col("campaign_id") == cid).row(0, named=True)
            csv = Path(row["export_path"])
            counts = json.loads(row["counts"])
            return CampaignMade(
                cid, False, run_id, row["selection"], counts, csv, csv.with_suffix(".parquet")
            )
        clients = _clients(settings, task, scored, as_of)
        plan = plan_campaign(clients, rules, request.selection, request.control_share, request.seed)
        members = plan.members.with_columns(campaign_id=pl.lit(cid))
        csv, parquet = campaigns.export_treatment(settings.campaigns_dir, cid, members)
        row = pl.DataFrame(
            [
                {
                    "campaign_id": cid,
                    "task": task.name,
                    "model_run_id": run_id,
                    "as_of_date": as_of,
                    "created_at": datetime.now(),
                    "selection": request.selection.describe(),
                    "parameters": json.dumps(params, sort_keys=True),
                    "counts": json.dumps(plan.counts),
                    "export_path": str(csv),
                }
            ]
        )
        with warehouse.run_transaction(settings.warehouse) as con:
            campaigns.write_campaign(con, row, members.select(MEMBER_COLUMNS))
        report = update_report(settings, task, run_id)
    return CampaignMade(cid, True, run_id, request.selection.describe(), plan.counts, csv, parquet, report)


def _members_with_outcomes(settings: Settings, task: Task, chosen: pl.DataFrame) -> pl.DataFrame:
    """The members of the campaigns in `chosen` (rows of scoring.campaigns with window_end), each with
    `converted`: an outcome in its campaign's window."""
    outcome = task.campaign.outcome
    members = campaigns.read_members(settings.warehouse, chosen["campaign_id"].to_list())
    parts = []
    for row in chosen.iter_rows(named=True):
        window = (row["as_of_date"], row["window_end"])
        converted = outcome_clients(settings, outcome.relation, outcome.date_column, *window)
        part = members.filter(pl.col("campaign_id") == row["campaign_id"])
        parts.append(part.with_columns(converted=pl.col("client_id").is_in(converted.implode())))
    return pl.concat(parts)


def closed_campaigns(settings: Settings, task: Task) -> pl.DataFrame:
    """The task's campaigns whose outcome window has closed in the data, with window_start and window_end."""
    outcome = _outcome(task)
    made = campaigns.read_campaigns(settings.warehouse, task.name)
    if outcome is None or made.is_empty():
        return pl.DataFrame()
    last = last_date(settings, outcome.relation, outcome.date_column)
    made = made.with_columns(
        window_start=pl.col("as_of_date") + timedelta(days=1),
        window_end=pl.col("as_of_date") + timedelta(days=outcome.window_days),
    )
    return made.filter(pl.col("window_end") <= last) if last is not None else made.head(0)


AT_K_COLUMNS = ("treatment_clients", "treatment_rate", "control_clients", "control_rate", "uplift")


def results_of(task: Task, closed: pl.DataFrame, members: pl.DataFrame, now: datetime) -> tuple:
    """The rows of scoring.campaign_results (one per closed campaign) and campaign_uplift_at_k (one per k)
    from the closed campaigns and their members with `converted`."""
    results = []
    for row in closed.iter_rows(named=True):
        uplift = conversion_uplift(members.filter(pl.col("campaign_id") == row["campaign_id"]))
        window = {"window_start": row["window_start"], "window_end": row["window_end"]}
        ids = {"campaign_id": row["campaign_id"], "task": task.name}
        results.append({**ids, **window, **uplift.as_row(), "computed_at": now})
    at_k = []
    for k in K_SHARES:
        found = uplift_at_k(members, k).as_row()
        pooled = {c: found[c] for c in AT_K_COLUMNS}
        at_k.append(
            {"task": task.name, "k_share": k, "campaigns": closed.height, **pooled, "computed_at": now}
        )
    return pl.DataFrame(results), pl.DataFrame(at_k)


def measure(settings: Settings, task_name: str, only_new: bool = False) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Measure every campaign of the task whose window has closed: scoring.campaign_results (treatment and
    control conversion, uplift with its interval) and campaign_uplift_at_k over them; written and returned.
    With `only_new`, nothing is written (and the results on record are returned) unless a window has closed
    since they were measured: a write copies the warehouse (run_transaction) and rewrites the reports."""
    task = get_task(task_name)
    with atomic.run_lock(settings.warehouse, "campaign-results"):
        closed = closed_campaigns(settings, task)
        if closed.is_empty():  # nothing measurable (yet): results written before stay as they are
            return pl.DataFrame(), pl.DataFrame()
        if only_new:
            recorded = campaigns.read_results(settings.warehouse, task.name)
            measured = set(recorded[0]["campaign_id"].to_list()) if recorded[0].height else set()
            if set(closed["campaign_id"].to_list()) == measured:
                return recorded
        members = _members_with_outcomes(settings, task, closed)
        results, at_k = results_of(task, closed, members, datetime.now())
        with warehouse.run_transaction(settings.warehouse) as con:
            campaigns.replace_results(con, task.name, results, at_k)
        for run_id in closed["model_run_id"].unique().sort().to_list():
            update_report(settings, task, run_id)
    return results, at_k


def measure_all(settings: Settings, task_names: tuple[str, ...] = (), only_new: bool = False) -> None:
    """Measure the campaigns of the named tasks (an unknown name is an error), or of every task with
    campaigns whose files carry dated outcomes; `only_new` as in measure (what `scoring monitor` asks)."""
    if not task_names:
        made = campaigns.read_campaigns(settings.warehouse)
        with_campaigns = sorted(set(made["task"].to_list())) if made.height else []
        task_names = tuple(name for name in with_campaigns if _outcome(TASKS.get(name)) is not None)
    for name in task_names:
        if _outcome(get_task(name)) is not None:
            measure(settings, name, only_new=only_new)


def _outcome(task: Task | None) -> CampaignOutcome | None:
    """The task's rule for a campaign's outcome; None without one (one-click: its files carry no dates)."""
    return task.campaign.outcome if task is not None and task.campaign is not None else None


def update_report(settings: Settings, task: Task, model_run_id: str) -> Path | None:
    """Put the campaigns made on a run's scores (and their results) into that run's report; None when the
    report cannot take sections (written before campaigns existed, or missing)."""
    made = campaigns.read_campaigns(settings.warehouse, task.name, model_run_id)
    if made.is_empty():
        return None
    members = campaigns.read_members(settings.warehouse, made["campaign_id"].to_list())
    results, at_k = campaigns.read_results(settings.warehouse, task.name)
    views = [
        CampaignView(
            row, members.filter(campaign_id=row["campaign_id"]), _result_of(results, row["campaign_id"])
        )
        for row in made.iter_rows(named=True)
    ]
    sections = campaign_sections(views, at_k, rules_for(task.name), task.campaign)
    return replace_sections(settings.reports_dir / task.name / model_run_id, sections, prefix="campaign")


def _result_of(results: pl.DataFrame, cid: str) -> dict | None:
    if results.is_empty():
        return None
    found = results.filter(pl.col("campaign_id") == cid)
    return found.row(0, named=True) if found.height else None


def summary_lines(settings: Settings) -> list[str]:
    """A few lines per task on its campaigns and their results, for `scoring monitor` and the terminal."""
    made = campaigns.read_campaigns(settings.warehouse)
    lines = []
    for task_name in sorted(set(made["task"].to_list())) if made.height else []:
        results, at_k = campaigns.read_results(settings.warehouse, task_name)
        count = made.filter(pl.col("task") == task_name).height
        campaigns_made = f"{task_name}: {count} campaign{'s' if count != 1 else ''}"
        if _outcome(TASKS.get(task_name)) is None:
            lines.append(f"{campaigns_made}; its files carry no dated outcome, so no result can be measured")
            continue
        lines.append(f"{campaigns_made}, {results.height} with a closed outcome window")
        for row in results.iter_rows(named=True):
            interval = f"{_pct(row['uplift_ci_low'], sign=True)} to {_pct(row['uplift_ci_high'], sign=True)}"
            lines.append(
                f"  {row['campaign_id']}: treatment {_pct(row['treatment_rate'])} of "
                f"{row['treatment_clients']:,}, control {_pct(row['control_rate'])} of "
                f"{row['control_clients']:,}: uplift {_pct(row['uplift'], sign=True)} "
                f"({row['confidence']:.0%} interval {interval})"
            )
        for row in at_k.iter_rows(named=True):
            lines.append(
                f"  uplift at the top {row['k_share']:.0%} of {row['campaigns']} campaigns: "
                f"{_pct(row['uplift'], sign=True)} (treatment {_pct(row['treatment_rate'])}, "
                f"control {_pct(row['control_rate'])})"
            )
    return lines


def _pct(value: float | None, sign: bool = False) -> str:
    if value is None or value != value:
        return "–"
    return f"{value:+.2%}" if sign else f"{value:.2%}"
