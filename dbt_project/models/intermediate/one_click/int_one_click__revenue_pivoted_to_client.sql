-- One row per client: revenue of each of the three months side by side, and the two flags of the documented
-- rules (a month without revenue; an outlier month). Nothing is dropped or replaced: the flags say what to
-- distrust, the values stay as published.
with

stg_one_click__monthly_revenue as (

    select * from {{ ref('stg_one_click__monthly_revenue') }}

),

clients as (

    select client_id from {{ ref('stg_one_click__clients') }}

),

typical_month as (

    -- the median monthly revenue over every client and month with any revenue
    select percentile_cont(0.5) within group (order by revenue) as median_revenue
    from stg_one_click__monthly_revenue
    where revenue > 0

),

pivoted as (

    select
        client_id,
        max(case when months_ago = 0 then revenue end) as revenue_current_month,
        max(case when months_ago = 1 then revenue end) as revenue_previous_month,
        max(case when months_ago = 2 then revenue end) as revenue_two_months_ago,
        max(revenue) as max_monthly_revenue
    from stg_one_click__monthly_revenue
    group by client_id

),

final as (

    select
        clients.client_id,
        cast(pivoted.revenue_current_month as decimal(18, 2)) as revenue_current_month,
        cast(pivoted.revenue_previous_month as decimal(18, 2)) as revenue_previous_month,
        cast(pivoted.revenue_two_months_ago as decimal(18, 2)) as revenue_two_months_ago,
        cast(
            (case when coalesce(pivoted.revenue_current_month, 0) = 0 then 1 else 0 end)
            + (case when coalesce(pivoted.revenue_previous_month, 0) = 0 then 1 else 0 end)
            + (case when coalesce(pivoted.revenue_two_months_ago, 0) = 0 then 1 else 0 end)
            as integer
        ) as count_months_without_revenue_3m,
        cast(
            coalesce(
                pivoted.max_monthly_revenue
                > {{ var('one_click_revenue_outlier_factor') }} * typical_month.median_revenue,
                false
            ) as boolean
        ) as has_revenue_outlier_3m
    from clients
    left join pivoted
        on clients.client_id = pivoted.client_id
    cross join typical_month

)

select * from final
