-- The wide apparel feature table, one row per (client_id, as_of_date) at every cutoff: all feature families
-- side by side. Each family already has one row per key, so the joins never fan out.
{%- set families = [
    'apparel_features_purchases',
    'apparel_features_message_engagement',
    'apparel_features_subscriptions',
    'apparel_features_campaigns',
    'apparel_features_categories',
] %}

-- On DuckDB a view: the families are tables already, so a view saves writing every column twice,
-- in a build and in a refresh, and is never stale. On Spark a table: the scoring job reads its Parquet files.
{{ config(materialized='view' if target.type == 'duckdb' else 'table') }}

with

clients_at_cutoffs as (

    select * from {{ ref('int_apparel__clients_at_cutoffs') }}

),

cutoff_dates as (

    select * from {{ ref('int_apparel__cutoff_dates') }}

),
{%- for family in families %}

{{ family }} as (

    select * from {{ ref(family) }}

),
{%- endfor %}

final as (

    select
        clients_at_cutoffs.client_id,
        clients_at_cutoffs.as_of_date,
        cutoff_dates.cutoff_index,
        cutoff_dates.is_latest_cutoff,
        {%- for family in families %}
        {{ star_except(ref(family), except=['client_id', 'as_of_date'], relation_alias=family) }}
        {%- if not loop.last %},{% endif %}{% endfor %}
    from clients_at_cutoffs
    inner join cutoff_dates
        on clients_at_cutoffs.as_of_date = cutoff_dates.as_of_date
    {%- for family in families %}
    inner join {{ family }}
        on clients_at_cutoffs.client_id = {{ family }}.client_id
        and clients_at_cutoffs.as_of_date = {{ family }}.as_of_date
    {%- endfor %}

)

select * from final
