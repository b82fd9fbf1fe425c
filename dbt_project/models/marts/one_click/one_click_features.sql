-- The one-click features: one row per client at the scoring date, every file joined one to one on
-- client_id. The scoring job reads this model (to score) and one_click_training_set (to train).
with

stg_one_click__clients as (

    select * from {{ ref('stg_one_click__clients') }}

),

int_one_click__revenue_pivoted_to_client as (

    select * from {{ ref('int_one_click__revenue_pivoted_to_client') }}

),

int_one_click__minutes_pivoted_to_client as (

    select * from {{ ref('int_one_click__minutes_pivoted_to_client') }}

),

stg_one_click__profits as (

    select * from {{ ref('stg_one_click__profits') }}

),

final as (

    select
        clients.client_id,
        {% if run_var('as_of_date') -%}
        cast('{{ run_var('as_of_date') }}' as date) as as_of_date,
        {%- else -%}
        cast({{ dbt.current_timestamp() }} as date) as as_of_date,
        {%- endif %}
        clients.service_type,
        clients.is_offers_allowed,
        clients.top_category,
        clients.avg_marketing_contacts_6m,
        clients.count_marketing_contacts_current_month,
        clients.days_since_registration,
        clients.share_promo_purchases_6m,
        clients.avg_categories_per_visit,
        clients.count_unpaid_items_3m,
        clients.count_service_errors,
        clients.avg_pages_per_visit_3m,
        revenue.revenue_current_month,
        revenue.revenue_previous_month,
        revenue.revenue_two_months_ago,
        minutes.minutes_current_month,
        minutes.minutes_previous_month,
        profits.avg_monthly_profit_3m,
        revenue.count_months_without_revenue_3m,
        revenue.has_revenue_outlier_3m
    from stg_one_click__clients as clients
    left join int_one_click__revenue_pivoted_to_client as revenue
        on clients.client_id = revenue.client_id
    left join int_one_click__minutes_pivoted_to_client as minutes
        on clients.client_id = minutes.client_id
    left join stg_one_click__profits as profits
        on clients.client_id = profits.client_id

)

select * from final
