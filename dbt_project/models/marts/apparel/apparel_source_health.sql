-- One row per raw source of the apparel task that a model reads, and per channel of the messages: its rows,
-- how far its newest event lies behind the latest cutoff, its rows per day over the health_recent_days up to
-- the cutoff against the median day of the health_trailing_days before them, its largest share of nulls and
-- its share of duplicated rows; status `stale` or `collapsed` past the vars' limits (the test on status
-- warns, or fails the build with FAIL_ON_HEALTH=1). Every build and refresh appends the rows to
-- scoring.data_health.
{%- set recent = var('health_recent_days') | int %}
{%- set trailing = var('health_trailing_days') | int %}

with

purchases as (

    select * from {{ ref('stg_apparel__purchases') }}

),

messages as (

    select * from {{ ref('int_apparel__messages_deduplicated') }}

),

targets as (

    select * from {{ ref('stg_apparel__targets') }}

),

campaign_days as (

    select * from {{ ref('stg_apparel__campaign_daily_events') }}

),

cutoff_dates as (

    select * from {{ ref('int_apparel__cutoff_dates') }}

),

cutoff as (

    select as_of_date
    from cutoff_dates
    where is_latest_cutoff

),

-- Raw rows per source, slice and day (duplicates counted, as they arrived).
daily_rows as (

    select
        'apparel-purchases' as raw_source,
        'all' as slice,
        purchase_date as event_date,
        sum(source_row_count) as row_count
    from purchases
    group by purchase_date

    union all

    select
        'apparel-messages' as raw_source,
        'all' as slice,
        event_date,
        sum(source_row_count) as row_count
    from messages
    group by event_date

    union all

    select
        'apparel-messages' as raw_source,
        channel as slice,
        event_date,
        sum(source_row_count) as row_count
    from messages
    group by channel, event_date

    union all

    select
        'full_campaign_daily_event' as raw_source,
        'all' as slice,
        event_date,
        count(*) as row_count
    from campaign_days
    group by event_date

),

totals as (

    select
        daily_rows.raw_source,
        daily_rows.slice,
        sum(daily_rows.row_count) as row_count,
        max(
            case when daily_rows.event_date <= cutoff.as_of_date then daily_rows.event_date end
        ) as newest_event_date
    from daily_rows
    cross join cutoff
    group by daily_rows.raw_source, daily_rows.slice

),

digits as (

    select numbers.digit
    from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as numbers (digit)

),

-- The days looked at: the recent ones up to the cutoff, then the trailing ones before them.
days as (

    {%- set days_back = 'ones.digit + 10 * tens.digit + 100 * hundreds.digit' %}
    select
        {{ add_days('cutoff.as_of_date', '-(' ~ days_back ~ ')') }} as event_date,
        {{ days_back }} < {{ recent }} as is_recent
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join cutoff
    where {{ days_back }} < {{ recent + trailing }}

),

every_day as (

    select
        totals.raw_source,
        totals.slice,
        days.is_recent,
        coalesce(daily_rows.row_count, 0) as row_count
    from totals
    cross join days
    left join daily_rows
        on
        totals.raw_source = daily_rows.raw_source
        and totals.slice = daily_rows.slice
        and days.event_date = daily_rows.event_date

),

windows as (

    select
        raw_source,
        slice,
        avg(case when is_recent then row_count end) as recent_rows_per_day,
        {{ median('case when not is_recent then row_count end') }} as trailing_median_rows_per_day
    from every_day
    group by raw_source, slice

),

-- The share of nulls of each column that parsing can leave empty, and of duplicated rows, per source.
column_nulls as (

    select
        'apparel-purchases' as raw_source,
        'message_sent_at' as null_column,
        avg(case when message_sent_at is null then 1.0 else 0.0 end) as null_share
    from purchases

    union all

    select
        'apparel-purchases' as raw_source,
        'bulk_campaign_id' as null_column,
        avg(case when bulk_campaign_id is null then 1.0 else 0.0 end) as null_share
    from purchases

    union all

    select
        'apparel-purchases' as raw_source,
        'top_category_id' as null_column,
        avg(case when top_category_id is null then 1.0 else 0.0 end) as null_share
    from purchases

    union all

    select
        'apparel-messages' as raw_source,
        'bulk_campaign_id' as null_column,
        avg(case when bulk_campaign_id is null then 1.0 else 0.0 end) as null_share
    from messages

    union all

    select
        'apparel-target_binary' as raw_source,
        'has_purchase_in_target_window' as null_column,
        avg(case when has_purchase_in_target_window is null then 1.0 else 0.0 end) as null_share
    from targets

),

largest_nulls as (

    select
        raw_source,
        null_column,
        null_share
    from (
        select
            raw_source,
            null_column,
            null_share,
            row_number() over (partition by raw_source order by null_share desc, null_column asc) as null_rank
        from column_nulls
    ) as ranked
    where null_rank = 1

),

duplicates as (

    select
        'apparel-purchases' as raw_source,
        1 - {{ safe_divide('count(*)', 'sum(source_row_count)') }} as duplicate_share
    from purchases

    union all

    select
        'apparel-messages' as raw_source,
        1 - {{ safe_divide('count(*)', 'sum(source_row_count)') }} as duplicate_share
    from messages

    union all

    select
        'apparel-target_binary' as raw_source,
        1 - {{ safe_divide('count(distinct client_id)', 'count(*)') }} as duplicate_share
    from targets

),

dated as (

    select
        totals.raw_source,
        totals.slice,
        cutoff.as_of_date,
        totals.row_count,
        totals.newest_event_date,
        {{ days_between('totals.newest_event_date', 'cutoff.as_of_date') }} as days_behind_cutoff,
        windows.recent_rows_per_day,
        windows.trailing_median_rows_per_day
    from totals
    cross join cutoff
    inner join windows
        on totals.raw_source = windows.raw_source and totals.slice = windows.slice
    -- the optional campaign files, when not provided, have no rows: nothing to watch
    where totals.row_count > 0 or totals.raw_source in ('apparel-purchases', 'apparel-messages')

),

undated as (

    select
        'apparel-target_binary' as raw_source,
        'all' as slice,
        cutoff.as_of_date,
        count(*) as row_count,
        cast(null as date) as newest_event_date,
        cast(null as integer) as days_behind_cutoff,
        cast(null as double) as recent_rows_per_day,
        cast(null as double) as trailing_median_rows_per_day
    from targets
    cross join cutoff
    group by cutoff.as_of_date

),

sources as (

    select * from dated

    union all

    select * from undated

),

final as (

    select
        cast('apparel' as {{ dbt.type_string() }}) as data_set,
        cast(sources.raw_source as {{ dbt.type_string() }}) as raw_source,
        cast(sources.slice as {{ dbt.type_string() }}) as slice,
        cast(sources.as_of_date as date) as as_of_date,
        cast(sources.row_count as bigint) as row_count,
        cast(sources.newest_event_date as date) as newest_event_date,
        cast(sources.days_behind_cutoff as integer) as days_behind_cutoff,
        cast(sources.recent_rows_per_day as double) as recent_rows_per_day,
        cast(sources.trailing_median_rows_per_day as double) as trailing_median_rows_per_day,
        cast(
            {{ safe_divide('sources.recent_rows_per_day', 'sources.trailing_median_rows_per_day') }} as double
        ) as recent_ratio,
        cast(case when sources.slice = 'all' then largest_nulls.null_share end as double) as null_share,
        cast(
            case when sources.slice = 'all' then largest_nulls.null_column end as {{ dbt.type_string() }}
        ) as null_column,
        cast(
            case when sources.slice = 'all' then duplicates.duplicate_share end as double
        ) as duplicate_share,
        cast(
            case
                when sources.row_count = 0 then 'empty'
                when sources.days_behind_cutoff > {{ var('health_max_days_behind') }} then 'stale'
                when
                    sources.trailing_median_rows_per_day >= {{ var('health_min_rows_per_day') }}
                    and sources.recent_rows_per_day
                    < {{ var('health_collapse_ratio') }} * sources.trailing_median_rows_per_day
                    then 'collapsed'
                else 'ok'
            end as {{ dbt.type_string() }}
        ) as status
    from sources
    left join largest_nulls
        on sources.raw_source = largest_nulls.raw_source
    left join duplicates
        on sources.raw_source = duplicates.raw_source

)

select * from final
