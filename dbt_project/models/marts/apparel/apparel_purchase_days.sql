-- One row per (client_id, purchase_date): the purchases as outcomes, not features. `scoring campaign-results`
-- reads it to count which members of a campaign bought after the campaign's date, and its last day tells
-- whether a campaign's outcome window has closed in the data. Nothing here is read as of a cutoff.

with

purchase_days as (

    select * from {{ ref('int_apparel__purchases_aggregated_to_client_day') }}

),

final as (

    select
        cast(client_id as bigint) as client_id,
        cast(purchase_date as date) as purchase_date,
        cast(count_orders as integer) as count_orders,
        cast(revenue as decimal(18, 2)) as revenue
    from purchase_days

)

select * from final
