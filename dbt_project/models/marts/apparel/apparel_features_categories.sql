-- Category affinity features, one row per (client_id, as_of_date): the share of items bought in each main
-- top-level category, and how diverse the client's categories are, from purchases on or before the cutoff.
{%- set top_ids = var('apparel_top_category_ids') | map('int') | list %}

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

purchases as (

    select * from {{ ref('stg_apparel__purchases') }}

),

items_at_cutoffs as (

    select
        purchases.client_id,
        cutoff_dates.as_of_date,
        purchases.top_category_id,
        purchases.leaf_category_id,
        purchases.quantity
    from purchases
    inner join cutoff_dates
        on purchases.purchase_date <= cutoff_dates.as_of_date

),

items_per_top_category as (

    select
        client_id,
        as_of_date,
        top_category_id,
        sum(quantity) as count_items
    from items_at_cutoffs
    group by
        client_id,
        as_of_date,
        top_category_id

),

-- Shannon entropy (natural log) of the item shares over known top-level categories.
top_category_shares as (

    select
        client_id,
        as_of_date,
        top_category_id,
        count_items,
        cast(count_items as double) / sum(count_items) over (
            partition by client_id, as_of_date
        ) as share_of_known_items
    from items_per_top_category
    where top_category_id is not null

),

diversity as (

    select
        client_id,
        as_of_date,
        count(*) as count_distinct_top_categories,
        -- decimal terms: an exact sum, the same whatever the summation order
        -sum(cast(share_of_known_items * ln(share_of_known_items) as decimal(18, 15)))
            as entropy_top_categories
    from top_category_shares
    group by
        client_id,
        as_of_date

),

aggregated as (

    select
        client_id,
        as_of_date,
        sum(quantity) as count_items,
        {%- for top_id in top_ids %}
        sum(case when top_category_id = {{ top_id }} then quantity else 0 end)
            as count_items_top_category_{{ top_id }},
        {%- endfor %}
        sum(
            case
                when top_category_id is not null and top_category_id not in ({{ top_ids | join(', ') }})
                    then quantity
                else 0
            end
        ) as count_items_top_category_other,
        sum(case when top_category_id is null then quantity else 0 end) as count_items_top_category_unknown,
        count(distinct leaf_category_id) as count_distinct_leaf_categories
    from items_at_cutoffs
    group by
        client_id,
        as_of_date

),

final as (

    select
        clients_at_cutoffs.client_id,
        clients_at_cutoffs.as_of_date,
        {%- for top_id in top_ids + ['other', 'unknown'] %}
        {{ safe_divide('aggregated.count_items_top_category_' ~ top_id, 'aggregated.count_items') }}
            as share_items_top_category_{{ top_id }}_lifetime,
        {%- endfor %}
        cast(coalesce(diversity.count_distinct_top_categories, 0) as integer)
            as count_distinct_top_categories_lifetime,
        cast(coalesce(aggregated.count_distinct_leaf_categories, 0) as integer)
            as count_distinct_leaf_categories_lifetime,
        cast(diversity.entropy_top_categories as double) as entropy_top_categories_lifetime
    from clients_at_cutoffs
    left join aggregated
        on clients_at_cutoffs.client_id = aggregated.client_id
        and clients_at_cutoffs.as_of_date = aggregated.as_of_date
    left join diversity
        on clients_at_cutoffs.client_id = diversity.client_id
        and clients_at_cutoffs.as_of_date = diversity.as_of_date

)

select * from final
