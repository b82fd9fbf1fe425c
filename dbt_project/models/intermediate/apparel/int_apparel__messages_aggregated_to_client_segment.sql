-- One row per (client_id, segment_start_date, event, channel): the message events of a client in a segment of
-- the window calendar, counted from the client's events (int_apparel__messages_deduplicated).
-- Send rows also carry the sum of the matured response rates of the campaigns sent (see the yml).
-- Built by the full build only: a refresh moves the latest cutoff without it (see macros/latest_cutoff.sql).
with

message_events as (

    select * from {{ ref('int_apparel__messages_deduplicated') }}

),

calendar as (

    select * from {{ ref('int_apparel__window_segment_calendar') }}

),

campaign_rates as (

    select * from {{ ref('int_apparel__campaign_rates_over_first_days') }}

),

calendar_bounds as (

    select
        {{ add_days('min(calendar_date)', -1) }} as earlier_segment_start_date,
        max(calendar_date) as last_calendar_date
    from calendar

),

-- Events after the latest cutoff are never used. Events before the calendar all fall in one segment that
-- starts the day before it: they count in lifetime features only.
messages_in_calendar as {{ cte_materialized() }} (

    select
        message_events.client_id,
        message_events.bulk_campaign_id,
        message_events.event,
        message_events.channel,
        message_events.event_date,
        coalesce(calendar.segment_start_date, calendar_bounds.earlier_segment_start_date)
            as segment_start_date
    from message_events
    cross join calendar_bounds
    left join calendar
        on message_events.event_date = calendar.calendar_date
    where message_events.event_date <= calendar_bounds.last_calendar_date

),

-- A send counts its campaign's rates once, when the campaign has them: sums of decimals, exact.
final as (

    select
        messages_in_calendar.client_id,
        cast(messages_in_calendar.segment_start_date as date) as segment_start_date,
        cast(messages_in_calendar.event as {{ dbt.type_string() }}) as event,
        cast(messages_in_calendar.channel as {{ dbt.type_string() }}) as channel,
        cast(count(*) as integer) as count_events,
        cast(min(messages_in_calendar.event_date) as date) as first_event_date,
        cast(max(messages_in_calendar.event_date) as date) as last_event_date,
        {%- for measure in apparel_rated_send_measures() %}
        {%- set expression = measure.aggregate ~ '(campaign_rates.' ~ measure.rate ~ ')' %}
        cast({{ expression }} as {{ measure.type }}) as {{ measure.name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from messages_in_calendar
    left join campaign_rates
        on messages_in_calendar.bulk_campaign_id = campaign_rates.bulk_campaign_id
        and messages_in_calendar.event = 'send'
    group by
        messages_in_calendar.client_id,
        messages_in_calendar.segment_start_date,
        messages_in_calendar.event,
        messages_in_calendar.channel

)

select * from final
