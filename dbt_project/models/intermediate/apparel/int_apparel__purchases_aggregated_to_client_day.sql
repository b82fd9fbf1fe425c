-- One row per (client_id, purchase_date): what the client bought that day, money as exact decimals. An order
-- is the set of lines a client bought on one day through one message_id (the data has no order id).

with

purchases as (

    select * from {{ ref('stg_apparel__purchases') }}

),

orders as (

    select
        client_id,
        purchase_date,
        message_id,
        count(*) as count_lines,
        sum(quantity) as count_items,
        sum(quantity * price) as revenue,
        sum(case when is_other_client_message then 1 else 0 end) as count_other_client_message_lines
    from purchases
    group by
        client_id,
        purchase_date,
        message_id

),

client_days as (

    select
        client_id,
        purchase_date,
        count(*) as count_orders,
        sum(count_lines) as count_lines,
        sum(count_items) as count_items,
        sum(revenue) as revenue,
        max(revenue) as max_order_revenue,
        sum(count_other_client_message_lines) as count_other_client_message_lines
    from orders
    group by
        client_id,
        purchase_date

),

-- The gap to the previous purchase day looks only backwards, so it is safe at any cutoff.
with_previous_day as (

    select
        *,
        lag(purchase_date) over (partition by client_id order by purchase_date) as previous_purchase_date
    from client_days

),

final as (

    select
        client_id,
        cast(purchase_date as date) as purchase_date,
        cast(count_orders as integer) as count_orders,
        cast(count_lines as integer) as count_lines,
        cast(count_items as integer) as count_items,
        cast(revenue as decimal(18, 2)) as revenue,
        cast(max_order_revenue as decimal(18, 2)) as max_order_revenue,
        cast(count_other_client_message_lines as integer) as count_other_client_message_lines,
        cast(previous_purchase_date as date) as previous_purchase_date,
        {{ days_between('previous_purchase_date', 'purchase_date') }} as days_since_previous_purchase_day
    from with_previous_day

)

select * from final
