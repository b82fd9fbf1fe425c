-- One row per (client_id, segment_start_date, event, channel): the message events of a client in a segment of
-- the window calendar. The only reader of stg_apparel__messages (the 1.4 GB file is scanned once here).
-- Send rows also carry the sum of the matured response rates of the campaigns sent (see the yml).
{%- set maturity = var('campaign_rate_maturity_days') | int -%}
{#- The base-wide rates cost four aggregates over every event: only computed when the optional file
    exists. -#}
{%- set has_daily_events = 'full_campaign_daily_event' in var('raw_files', {}).get('apparel', {}) %}

with

messages as (

    select * from {{ ref('stg_apparel__messages') }}

),

calendar as (

    select * from {{ ref('int_apparel__window_segment_calendar') }}

),

campaign_daily_events as (

    select * from {{ ref('stg_apparel__campaign_daily_events') }}

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
        messages.client_id,
        messages.bulk_campaign_id,
        messages.event,
        messages.channel,
        messages.event_date,
        coalesce(calendar.segment_start_date, calendar_bounds.earlier_segment_start_date)
            as segment_start_date
    from messages
    cross join calendar_bounds
    left join calendar
        on messages.event_date = calendar.calendar_date
    where messages.event_date <= calendar_bounds.last_calendar_date

),

campaign_day_events as (

    select
        bulk_campaign_id,
        event_date,
        sum(case when event = 'send' then 1 else 0 end) as count_sends,
        sum(case when event = 'open' then 1 else 0 end) as count_opens,
        sum(case when event = 'click' then 1 else 0 end) as count_clicks,
        sum(case when event = 'purchase' then 1 else 0 end) as count_purchases
    from messages_in_calendar
    group by
        bulk_campaign_id,
        event_date

),

campaign_launches as (

    select
        bulk_campaign_id,
        min(event_date) as launch_date
    from campaign_day_events
    where count_sends > 0
    group by bulk_campaign_id

),

-- A campaign's response rates over its first days: known from launch_date + maturity - 1 on. Rates are
-- decimals so that their sums are exact and the same on every run, whatever the summation order.
campaign_matured_rates as (

    select
        campaign_launches.bulk_campaign_id,
        cast(
            {{ safe_divide(
                'sum(campaign_day_events.count_opens)',
                'sum(campaign_day_events.count_sends)'
            ) }}
            as decimal(18, 12)
        ) as open_rate,
        cast(
            {{ safe_divide(
                'sum(campaign_day_events.count_clicks)',
                'sum(campaign_day_events.count_sends)'
            ) }}
            as decimal(18, 12)
        ) as click_rate,
        cast(
            {{ safe_divide(
                'sum(campaign_day_events.count_purchases)',
                'sum(campaign_day_events.count_sends)'
            ) }}
            as decimal(18, 12)
        ) as purchase_rate
    from campaign_launches
    inner join campaign_day_events
        on campaign_launches.bulk_campaign_id = campaign_day_events.bulk_campaign_id
        and campaign_day_events.event_date <= {{ add_days('campaign_launches.launch_date', maturity - 1) }}
    group by campaign_launches.bulk_campaign_id

),

-- The same rates over the whole mailing base, from the optional daily aggregates, over the same days only:
-- the file runs past the data, and its later days would leak. Joined only when the file exists, so the
-- linter (which renders without it) sees it unused.
campaign_base_matured_rates as (  -- noqa: ST03

    select
        campaign_launches.bulk_campaign_id,
        cast(
            {{ safe_divide(
                'sum(campaign_daily_events.count_open)',
                'sum(campaign_daily_events.count_send)'
            ) }}
            as decimal(18, 12)
        ) as open_rate,
        cast(
            {{ safe_divide(
                'sum(campaign_daily_events.count_click)',
                'sum(campaign_daily_events.count_send)'
            ) }}
            as decimal(18, 12)
        ) as click_rate,
        cast(
            {{ safe_divide(
                'sum(campaign_daily_events.count_purchase)',
                'sum(campaign_daily_events.count_send)'
            ) }}
            as decimal(18, 12)
        ) as purchase_rate
    from campaign_launches
    inner join campaign_daily_events
        on campaign_launches.bulk_campaign_id = campaign_daily_events.bulk_campaign_id
        and campaign_launches.launch_date <= campaign_daily_events.event_date
        and campaign_daily_events.event_date <= {{ add_days('campaign_launches.launch_date', maturity - 1) }}
    group by campaign_launches.bulk_campaign_id

),

final as (

    select
        messages_in_calendar.client_id,
        cast(messages_in_calendar.segment_start_date as date) as segment_start_date,
        cast(messages_in_calendar.event as {{ dbt.type_string() }}) as event,
        cast(messages_in_calendar.channel as {{ dbt.type_string() }}) as channel,
        cast(count(*) as integer) as count_events,
        cast(min(messages_in_calendar.event_date) as date) as first_event_date,
        cast(max(messages_in_calendar.event_date) as date) as last_event_date,
        cast(count(campaign_matured_rates.open_rate) as integer) as count_rated_sends,
        cast(sum(campaign_matured_rates.open_rate) as decimal(38, 12)) as sum_campaign_open_rate,
        cast(sum(campaign_matured_rates.click_rate) as decimal(38, 12)) as sum_campaign_click_rate,
        cast(sum(campaign_matured_rates.purchase_rate) as decimal(38, 12)) as sum_campaign_purchase_rate,
        {%- if has_daily_events %}
        cast(count(campaign_base_matured_rates.open_rate) as integer) as count_base_rated_sends,
        cast(sum(campaign_base_matured_rates.open_rate) as decimal(38, 12)) as sum_campaign_base_open_rate,
        cast(sum(campaign_base_matured_rates.click_rate) as decimal(38, 12)) as sum_campaign_base_click_rate,
        cast(sum(campaign_base_matured_rates.purchase_rate) as decimal(38, 12)) as sum_campaign_base_purchase_rate
        {%- else %}
        cast(0 as integer) as count_base_rated_sends,
        cast(null as decimal(38, 12)) as sum_campaign_base_open_rate,
        cast(null as decimal(38, 12)) as sum_campaign_base_click_rate,
        cast(null as decimal(38, 12)) as sum_campaign_base_purchase_rate
        {%- endif %}
    from messages_in_calendar
    left join campaign_matured_rates
        on messages_in_calendar.bulk_campaign_id = campaign_matured_rates.bulk_campaign_id
        and messages_in_calendar.event = 'send'
    {%- if has_daily_events %}
    left join campaign_base_matured_rates
        on messages_in_calendar.bulk_campaign_id = campaign_base_matured_rates.bulk_campaign_id
        and messages_in_calendar.event = 'send'
    {%- endif %}
    group by
        messages_in_calendar.client_id,
        messages_in_calendar.segment_start_date,
        messages_in_calendar.event,
        messages_in_calendar.channel

)

select * from final
