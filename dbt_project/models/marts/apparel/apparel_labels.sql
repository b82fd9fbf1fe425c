-- One row per (client_id, as_of_date) that has a label: did the client buy in
-- (as_of_date, as_of_date + label_horizon_days]? Derived from purchases at every cutoff whose label window
-- is fully inside the data; taken from the provided target file at the cutoff it belongs to.

{{ config(**latest_cutoff_incremental_config()) }}

with

clients_at_cutoffs as (

    select * from {{ ref('int_apparel__clients_at_cutoffs') }}
    {{ only_latest_cutoff_on_refresh() }}

),

cutoff_dates as (

    select * from {{ ref('int_apparel__cutoff_dates') }}
    {{ only_latest_cutoff_on_refresh() }}

),

purchase_days as (

    select * from {{ ref('int_apparel__purchases_aggregated_to_client_day') }}

),

targets as (

    select * from {{ ref('stg_apparel__targets') }}

),

-- Labels look strictly after the cutoff: purchase_date > as_of_date.
derived as (

    select
        clients_at_cutoffs.client_id,
        clients_at_cutoffs.as_of_date,
        max(case when purchase_days.client_id is not null then 1 else 0 end) as label,
        'derived' as label_source
    from clients_at_cutoffs
    inner join cutoff_dates
        on clients_at_cutoffs.as_of_date = cutoff_dates.as_of_date
    left join purchase_days
        on clients_at_cutoffs.client_id = purchase_days.client_id
        and cutoff_dates.as_of_date < purchase_days.purchase_date
        and cutoff_dates.label_window_end_date >= purchase_days.purchase_date
    where cutoff_dates.has_observed_label_window
    group by
        clients_at_cutoffs.client_id,
        clients_at_cutoffs.as_of_date

),

provided as (

    select
        clients_at_cutoffs.client_id,
        clients_at_cutoffs.as_of_date,
        case when targets.has_purchase_in_target_window then 1 else 0 end as label,
        'provided' as label_source
    from clients_at_cutoffs
    inner join cutoff_dates
        on clients_at_cutoffs.as_of_date = cutoff_dates.as_of_date
    inner join targets
        on clients_at_cutoffs.client_id = targets.client_id
    where
        cutoff_dates.is_provided_target_cutoff
        and not cutoff_dates.has_observed_label_window

),

unioned as (

    select * from derived

    union all

    select * from provided

),

final as (

    select
        cast(client_id as bigint) as client_id,
        cast(as_of_date as date) as as_of_date,
        cast(label as integer) as label,
        cast(label_source as {{ dbt.type_string() }}) as label_source
    from unioned

)

select * from final
