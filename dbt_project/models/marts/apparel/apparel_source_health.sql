-- One row per raw source of the apparel task, and per channel of the messages: how many rows it has, how far its
-- newest event lies behind the latest cutoff, its rows per day over the health_recent_days up to the cutoff
-- against the median day of the health_trailing_days before them, its largest share of nulls and its share of
-- duplicated rows; status `stale` or `collapsed` past the vars' limits (the test on status warns, or fails the
-- build with FAIL_ON_HEALTH=1). Every build and refresh appends these rows to scoring.data_health.
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

campaign_channel_days as (

    select * from {{ ref('stg_apparel__campaign_channel_daily_events') }}

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
        'apparel-purchases' as source,
        'all' as slice,
        purchase_date as event_date,
        sum(source_row_count) as row_count
    from purchases
    group by purchase_date

    union all

    select
        'apparel-messages' as source,
        'all' as slice,
        event_date,
        sum(source_row_count) as row_count
    from messages
    group by event_date

    union all

    select
        'apparel-messages' as source,
        channel as slice,
        event_date,
        sum(source_row_count) as row_count
    from messages
    group by channel, event_date

    union all

    select
        'full_campaign_daily_event' as source,
        'all' as slice,
        event_date,
        count(*) as row_count
    from campaign_days
    group by event_date

    union all

    select
        'full_campaign_daily_event_channel' as source,
        'all' as slice,
        event_date,
        count(*) as row_count
    from campaign_channel_days
    group by event_date

),

totals as (

    select
        daily_rows.source,
        daily_rows.slice,
        sum(daily_rows.row_count) as row_count,
        max(
            case when daily_rows.event_date <= cutoff.as_of_date then daily_rows.event_date end
        ) as newest_event_date
    from daily_rows
    cross join cutoff
    group by daily_rows.source, daily_rows.slice

),

digits as (

    select digit
    from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as numbers (digit)

),

-- The days looked at: the recent ones up to the cutoff, then the trailing ones before them.
days as (

    select
        {{ add_days('cutoff.as_of_date', '-(ones.digit + 10 * tens.digit + 100 * hundreds.digit)') }}
            as event_date,
        ones.digit + 10 * tens.digit + 100 * hundreds.digit < {{ recent }} as is_recent
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join cutoff
    where ones.digit + 10 * tens.digit + 100 * hundreds.digit < {{ recent + trailing }}

),

every_day as (

    select
        totals.source,
        totals.slice,
        days.is_recent,
        coalesce(daily_rows.row_count, 0) as row_count
    from totals
    cross join days
    left join daily_rows
        on
            totals.source = daily_rows.source
            and totals.slice = daily_rows.slice
            and days.event_date = daily_rows.event_date

),

windows as (

    select
        source,
        slice,
        avg(case when is_recent then row_count end) as recent_rows_per_day,
        {{ median('case when not is_recent then row_count end') }} as trailing_median_rows_per_day
    from every_day
    group by source, slice

),

-- The share of nulls of each column that parsing can leave empty, and of duplicated rows, per source.
column_nulls as (

    select
        'apparel-purchases' as source,
        'message_sent_at' as null_column,
        avg(case when message_sent_at is null then 1.0 else 0.0 end) as null_share
    from purchases

    union all

    select
        'apparel-purchases' as source,
        'bulk_campaign_id' as null_column,
        avg(case when bulk_campaign_id is null then 1.0 else 0.0 end) as null_share
    from purchases

    union all

    select
        'apparel-purchases' as source,
        'top_category_id' as null_column,
        avg(case when top_category_id is null then 1.0 else 0.0 end) as null_share
    from purchases

    union all

    select
        'apparel-messages' as source,
        'bulk_campaign_id' as null_column,
        avg(case when bulk_campaign_id is null then 1.0 else 0.0 end) as null_share
    from messages

    union all

    select
        'apparel-target_binary' as source,
        'has_purchase_in_target_window' as null_column,
        avg(case when has_purchase_in_target_window is null then 1.0 else 0.0 end) as null_share
    from targets

),

largest_nulls as (

    select
        source,
        null_column,
        null_share
    from (
        select
            source,
            null_column,
            null_share,
            row_number() over (partition by source order by null_share desc, null_column) as position
        from column_nulls
    ) as ranked
    where position = 1

),

duplicates as (

    select
        'apparel-purchases' as source,
        1 - {{ safe_divide('count(*)', 'sum(source_row_count)') }} as duplicate_share
    from purchases

    union all

    select
        'apparel-messages' as source,
        1 - {{ safe_divide('count(*)', 'sum(source_row_count)') }} as duplicate_share
    from messages

    union all

    select
        'apparel-target_binary' as source,
        1 - {{ safe_divide('count(distinct client_id)', 'count(*)') }} as duplicate_share
    from targets

),

dated as (

    select
        totals.source,
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
        on totals.source = windows.source and totals.slice = windows.slice
    -- the optional campaign files, when not provided, have no rows: nothing to watch
    where totals.row_count > 0 or totals.source in ('apparel-purchases', 'apparel-messages')

),

undated as (

    select
        'apparel-target_binary' as source,
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
        cast('apparel' as {{ dbt.type_string() }}) as task,
        cast(sources.source as {{ dbt.type_string() }}) as source,
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
        cast(case when sources.slice = 'all' then duplicates.duplicate_share end as double) as duplicate_share,
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
        on sources.source = largest_nulls.source
    left join duplicates
        on sources.source = duplicates.source

)

select * from final
