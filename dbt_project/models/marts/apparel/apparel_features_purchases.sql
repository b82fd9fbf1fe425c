-- Purchase features, one row per (client_id, as_of_date): recency, tenure, frequency (days, orders, items),
-- monetary (sum, mean, max), gaps between purchase days and the recent trend, from purchases on or before
-- the cutoff only.
{%- set windows = var('feature_windows_days') | map('int') | list -%}
{%- set trend = var('trend_window_days') | int %}

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

purchase_days_at_cutoffs as (

    select
        purchase_days.*,
        cutoff_dates.as_of_date,
        {%- for days in (windows + [trend, 2 * trend]) | unique %}
        cutoff_dates.{{ window_start_column(days) }}
        {%- if not loop.last %},{% endif %}{% endfor %}
    from purchase_days
    inner join cutoff_dates
        on purchase_days.purchase_date <= cutoff_dates.as_of_date

),

aggregated as (

    select
        client_id,
        as_of_date,
        min(purchase_date) as first_purchase_date,
        max(purchase_date) as last_purchase_date,
        -- previous_purchase_date grows with purchase_date, so its max belongs to the last purchase day
        max(previous_purchase_date) as second_last_purchase_date,
        max(days_since_previous_purchase_day) as max_days_between_purchase_days,
        sum(count_lines) as count_lines_lifetime,
        sum(count_other_client_message_lines) as count_other_client_message_lines_lifetime,
        {%- for days in windows %}
        sum(case when purchase_date >= {{ window_start_column(days) }} then 1 else 0 end)
            as count_purchase_days_{{ days }}d,
        sum(case when purchase_date >= {{ window_start_column(days) }} then count_orders else 0 end)
            as count_orders_{{ days }}d,
        sum(case when purchase_date >= {{ window_start_column(days) }} then count_items else 0 end)
            as count_items_{{ days }}d,
        sum(case when purchase_date >= {{ window_start_column(days) }} then revenue else 0 end)
            as sum_revenue_{{ days }}d,
        max(case when purchase_date >= {{ window_start_column(days) }} then max_order_revenue end)
            as max_order_revenue_{{ days }}d,
        {%- endfor %}
        count(*) as count_purchase_days_lifetime,
        sum(count_orders) as count_orders_lifetime,
        sum(count_items) as count_items_lifetime,
        sum(revenue) as sum_revenue_lifetime,
        max(max_order_revenue) as max_order_revenue_lifetime,
        sum(
            case
                when
                    purchase_date >= {{ window_start_column(2 * trend) }}
                    and purchase_date < {{ window_start_column(trend) }}
                    then count_orders
                else 0
            end
        ) as count_orders_prev_{{ trend }}d,
        sum(
            case
                when
                    purchase_date >= {{ window_start_column(2 * trend) }}
                    and purchase_date < {{ window_start_column(trend) }}
                    then revenue
                else 0
            end
        ) as sum_revenue_prev_{{ trend }}d,
        sum(case when purchase_date >= {{ window_start_column(trend) }} then count_orders else 0 end)
            as count_orders_trend_recent,
        sum(case when purchase_date >= {{ window_start_column(trend) }} then revenue else 0 end)
            as sum_revenue_trend_recent
    from purchase_days_at_cutoffs
    group by
        client_id,
        as_of_date

),

final as (

    select
        clients_at_cutoffs.client_id,
        clients_at_cutoffs.as_of_date,
        cast(aggregated.client_id is not null as boolean) as has_purchase_history,
        {{ days_between('aggregated.last_purchase_date', 'clients_at_cutoffs.as_of_date') }}
            as days_since_last_purchase,
        {{ days_between('aggregated.first_purchase_date', 'clients_at_cutoffs.as_of_date') }}
            as days_since_first_purchase,
        {{ days_between('clients_at_cutoffs.first_seen_date', 'clients_at_cutoffs.as_of_date') }}
            as days_since_first_seen,
        {%- for days in windows %}
        cast(coalesce(aggregated.count_purchase_days_{{ days }}d, 0) as integer)
            as count_purchase_days_{{ days }}d,
        cast(coalesce(aggregated.count_orders_{{ days }}d, 0) as integer) as count_orders_{{ days }}d,
        cast(coalesce(aggregated.count_items_{{ days }}d, 0) as integer) as count_items_{{ days }}d,
        cast(coalesce(aggregated.sum_revenue_{{ days }}d, 0) as double) as sum_revenue_{{ days }}d,
        {{ safe_divide('aggregated.sum_revenue_' ~ days ~ 'd', 'aggregated.count_orders_' ~ days ~ 'd') }}
            as mean_order_revenue_{{ days }}d,
        cast(aggregated.max_order_revenue_{{ days }}d as double) as max_order_revenue_{{ days }}d,
        {%- endfor %}
        cast(coalesce(aggregated.count_purchase_days_lifetime, 0) as integer) as count_purchase_days_lifetime,
        cast(coalesce(aggregated.count_orders_lifetime, 0) as integer) as count_orders_lifetime,
        cast(coalesce(aggregated.count_items_lifetime, 0) as integer) as count_items_lifetime,
        cast(coalesce(aggregated.sum_revenue_lifetime, 0) as double) as sum_revenue_lifetime,
        {{ safe_divide('aggregated.sum_revenue_lifetime', 'aggregated.count_orders_lifetime') }}
            as mean_order_revenue_lifetime,
        cast(aggregated.max_order_revenue_lifetime as double) as max_order_revenue_lifetime,
        {{ safe_divide(
            days_between('aggregated.first_purchase_date', 'aggregated.last_purchase_date'),
            'aggregated.count_purchase_days_lifetime - 1'
        ) }} as mean_days_between_purchase_days,
        cast(aggregated.max_days_between_purchase_days as integer) as max_days_between_purchase_days,
        {{ days_between('aggregated.second_last_purchase_date', 'aggregated.last_purchase_date') }}
            as days_between_last_two_purchase_days,
        cast(coalesce(aggregated.count_other_client_message_lines_lifetime, 0) as integer)
            as count_other_client_message_lines_lifetime,
        {{ safe_divide(
            'aggregated.count_other_client_message_lines_lifetime',
            'aggregated.count_lines_lifetime'
        ) }} as share_other_client_message_lines_lifetime,
        cast(coalesce(aggregated.count_orders_prev_{{ trend }}d, 0) as integer)
            as count_orders_prev_{{ trend }}d,
        cast(coalesce(aggregated.sum_revenue_prev_{{ trend }}d, 0) as double)
            as sum_revenue_prev_{{ trend }}d,
        {{ trend_ratio(
            'aggregated.count_orders_trend_recent',
            'aggregated.count_orders_prev_' ~ trend ~ 'd'
        ) }} as trend_count_orders_{{ trend }}d,
        {{ trend_ratio(
            'aggregated.sum_revenue_trend_recent',
            'aggregated.sum_revenue_prev_' ~ trend ~ 'd'
        ) }} as trend_sum_revenue_{{ trend }}d
    from clients_at_cutoffs
    left join aggregated
        on clients_at_cutoffs.client_id = aggregated.client_id
        and clients_at_cutoffs.as_of_date = aggregated.as_of_date

)

select * from final
