-- One row per (model_run_id, client_id) of every run of the purchase task (var realised_label_tasks) whose
-- label window has closed in the data: what the client then did, by the rule of apparel_labels at the date
-- the run scored (a purchase in (as_of_date, as_of_date + label_horizon_days]), and whether the client was in
-- the task's target population then (a purchase on or before it). The scoring job measures each run's
-- realised performance from it (scoring.realised_performance).
-- It reads the runs and scores the scoring job wrote (the `scoring` source), so a build carries the run
-- history into its new file before dbt runs; without them (no scoring tables) it is empty. On DuckDB a
-- view: it follows the scores and the purchases as they grow, with nothing to rebuild.
-- Reads {{ source('scoring', 'model_runs') }} and {{ source('scoring', 'scores') }} (named here so that dbt
-- records them at parse time, when the branch below that reads them is not rendered).
{%- set scores_relation = load_relation(source('scoring', 'scores')) if execute else none %}
{%- set horizon = var('label_horizon_days') | int %}
{{ config(materialized='view' if target.type == 'duckdb' else 'table') }}

with

{% if scores_relation is not none -%}
model_runs as (

    select * from {{ source('scoring', 'model_runs') }}

),

scores as (

    select * from {{ source('scoring', 'scores') }}

),
{%- endif %}

purchase_days as (

    select * from {{ ref('int_apparel__purchases_aggregated_to_client_day') }}

),

cutoff_dates as (

    select * from {{ ref('int_apparel__cutoff_dates') }}

),

data_bounds as (

    select max(last_data_date) as last_data_date
    from cutoff_dates

),

{% if scores_relation is not none -%}
closed_runs as (

    select
        model_runs.model_run_id,
        model_runs.as_of_date,
        {{ add_days('model_runs.as_of_date', horizon) }} as window_end_date
    from model_runs
    cross join data_bounds
    where
        model_runs.task in ({{ "'" ~ var('realised_label_tasks') | join("', '") ~ "'" }})
        and model_runs.status = 'succeeded'
        and {{ add_days('model_runs.as_of_date', horizon) }} <= data_bounds.last_data_date

),

scored as (

    select
        scores.model_run_id,
        scores.client_id,
        closed_runs.as_of_date,
        closed_runs.window_end_date
    from scores
    inner join closed_runs
        on scores.model_run_id = closed_runs.model_run_id

),

-- Labels look strictly after the date scored, as in apparel_labels.
outcomes as (

    select
        scored.model_run_id,
        scored.client_id,
        scored.as_of_date,
        scored.window_end_date,
        max(
            case when purchase_days.purchase_date > scored.as_of_date then 1 else 0 end
        ) as label,
        max(
            case when purchase_days.purchase_date <= scored.as_of_date then 1 else 0 end
        ) as has_purchase_history
    from scored
    left join purchase_days
        on
            scored.client_id = purchase_days.client_id
            and purchase_days.purchase_date <= scored.window_end_date
    group by
        scored.model_run_id,
        scored.client_id,
        scored.as_of_date,
        scored.window_end_date

),
{%- else %}
outcomes as (

    select
        cast(null as {{ dbt.type_string() }}) as model_run_id,
        cast(null as bigint) as client_id,
        cast(null as date) as as_of_date,
        cast(null as date) as window_end_date,
        0 as label,
        0 as has_purchase_history
    from purchase_days
    cross join data_bounds
    where 1 = 0

),
{%- endif %}

final as (

    select
        cast(model_run_id as {{ dbt.type_string() }}) as model_run_id,
        cast(client_id as bigint) as client_id,
        cast(as_of_date as date) as as_of_date,
        cast(window_end_date as date) as window_end_date,
        cast(label as integer) as label,
        cast(has_purchase_history = 1 as boolean) as is_in_target_population
    from outcomes

)

select * from final
