-- One row per raw file of the one-click task: its rows, its largest share of nulls and its share of rows
-- that repeat a key. The files carry no dates, so there is no freshness or daily volume to watch: status
-- is `empty` for a file without rows, else `ok`. Every build appends these rows to scoring.data_health.

with

clients as (

    select * from {{ ref('stg_one_click__clients') }}

),

monthly_revenue as (

    select * from {{ ref('stg_one_click__monthly_revenue') }}

),

monthly_minutes as (

    select * from {{ ref('stg_one_click__monthly_minutes') }}

),

profits as (

    select * from {{ ref('stg_one_click__profits') }}

),

measured as (

    select
        'market_file' as raw_source,
        count(*) as row_count,
        avg(case when service_type is null or top_category is null then 1.0 else 0.0 end) as null_share,
        'service_type or top_category' as null_column,
        1 - {{ safe_divide('count(distinct client_id)', 'count(*)') }} as duplicate_share
    from clients

    union all

    select
        'market_money' as raw_source,
        count(*) as row_count,
        avg(case when revenue is null then 1.0 else 0.0 end) as null_share,
        'revenue' as null_column,
        {%- set client_months = dbt.concat(['client_id', "'|'", 'months_ago']) %}
        1 - {{ safe_divide('count(distinct ' ~ client_months ~ ')', 'count(*)') }} as duplicate_share
    from monthly_revenue

    union all

    select
        'market_time' as raw_source,
        count(*) as row_count,
        avg(case when minutes_on_site is null then 1.0 else 0.0 end) as null_share,
        'minutes_on_site' as null_column,
        {%- set client_months = dbt.concat(['client_id', "'|'", 'months_ago']) %}
        1 - {{ safe_divide('count(distinct ' ~ client_months ~ ')', 'count(*)') }} as duplicate_share
    from monthly_minutes

    union all

    select
        'money' as raw_source,
        count(*) as row_count,
        avg(case when avg_monthly_profit_3m is null then 1.0 else 0.0 end) as null_share,
        'avg_monthly_profit_3m' as null_column,
        1 - {{ safe_divide('count(distinct client_id)', 'count(*)') }} as duplicate_share
    from profits

),

final as (

    select
        cast('one_click' as {{ dbt.type_string() }}) as data_set,
        cast(raw_source as {{ dbt.type_string() }}) as raw_source,
        cast('all' as {{ dbt.type_string() }}) as slice,
        cast(null as date) as as_of_date,
        cast(row_count as bigint) as row_count,
        cast(null as date) as newest_event_date,
        cast(null as integer) as days_behind_cutoff,
        cast(null as double) as recent_rows_per_day,
        cast(null as double) as trailing_median_rows_per_day,
        cast(null as double) as recent_ratio,
        cast(null_share as double) as null_share,
        cast(null_column as {{ dbt.type_string() }}) as null_column,
        cast(duplicate_share as double) as duplicate_share,
        cast(case when row_count = 0 then 'empty' else 'ok' end as {{ dbt.type_string() }}) as status
    from measured

)

select * from final
