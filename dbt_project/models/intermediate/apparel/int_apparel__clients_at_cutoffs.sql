-- One row per (client_id, as_of_date): every client seen in purchases or messages on or before the cutoff.
-- A client first seen later does not exist yet at that cutoff (listing them would leak their arrival).

{{ config(**latest_cutoff_incremental_config()) }}

with

cutoff_dates as (

    select * from {{ ref('int_apparel__cutoff_dates') }}
    {{ only_latest_cutoff_on_refresh() }}

),

purchase_days as (

    select * from {{ ref('int_apparel__purchases_aggregated_to_client_day') }}

),

message_cutoffs as (

    select * from {{ ref('int_apparel__messages_aggregated_to_client_cutoff') }}
    {{ only_latest_cutoff_on_refresh() }}

),

-- First purchase and first message event on or before each cutoff.
first_purchases as (

    select
        purchase_days.client_id,
        cutoff_dates.as_of_date,
        min(purchase_days.purchase_date) as first_purchase_date
    from purchase_days
    inner join cutoff_dates
        on purchase_days.purchase_date <= cutoff_dates.as_of_date
    group by
        purchase_days.client_id,
        cutoff_dates.as_of_date

),

first_messages as (

    select
        client_id,
        as_of_date,
        min(first_event_date) as first_message_date
    from message_cutoffs
    group by
        client_id,
        as_of_date

),

joined as (

    select
        coalesce(first_purchases.client_id, first_messages.client_id) as client_id,
        coalesce(first_purchases.as_of_date, first_messages.as_of_date) as as_of_date,
        first_purchases.first_purchase_date,
        first_messages.first_message_date
    from first_purchases
    full outer join first_messages
        on first_purchases.client_id = first_messages.client_id
        and first_purchases.as_of_date = first_messages.as_of_date

),

final as (

    select
        cast(client_id as bigint) as client_id,
        cast(as_of_date as date) as as_of_date,
        cast(first_purchase_date as date) as first_purchase_date,
        cast(first_message_date as date) as first_message_date,
        cast(
            case
                when first_message_date is null or first_purchase_date <= first_message_date
                    then first_purchase_date
                else first_message_date
            end as date
        ) as first_seen_date
    from joined

)

select * from final
