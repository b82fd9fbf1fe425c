-- One row per campaign sent on or before the latest cutoff: its launch (first send) and its response rates
-- over its first campaign_rate_maturity_days days, in this data and, when the optional daily aggregates are
-- present, over the whole mailing base. A rate is known, and used, from launch_date + maturity on.
-- Incremental: a refresh recomputes the campaigns with events on the new days (only those can change).
{%- set maturity = var('campaign_rate_maturity_days') | int %}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert' if target.type == 'duckdb' else 'append',
    unique_key='bulk_campaign_id' if target.type == 'duckdb' else none,
) }}

with

message_events as (

    select * from {{ ref('int_apparel__messages_deduplicated') }}

),

cutoff_dates as (

    select * from {{ ref('int_apparel__cutoff_dates') }}

),

campaign_daily_events as (

    select * from {{ ref('stg_apparel__campaign_daily_events') }}

),

latest_cutoff as (

    select max(as_of_date) as as_of_date
    from cutoff_dates

),

-- Events after the latest cutoff are never used.
{%- if is_incremental() %}
-- A refresh: the campaigns with events on the new days.
changed_campaigns as (

    select distinct message_events.bulk_campaign_id
    from message_events
    where message_events.event_date > cast('{{ run_var('replaced_as_of_date') }}' as date)

),
{%- endif %}

campaign_day_events as (

    select
        message_events.bulk_campaign_id,
        message_events.event_date,
        sum(case when message_events.event = 'send' then 1 else 0 end) as count_sends,
        sum(case when message_events.event = 'open' then 1 else 0 end) as count_opens,
        sum(case when message_events.event = 'click' then 1 else 0 end) as count_clicks,
        sum(case when message_events.event = 'purchase' then 1 else 0 end)
            as count_purchases
    from message_events
    inner join latest_cutoff
        on message_events.event_date <= latest_cutoff.as_of_date
    {%- if is_incremental() %}
    inner join changed_campaigns
        on message_events.bulk_campaign_id = changed_campaigns.bulk_campaign_id
    {%- endif %}
    group by
        message_events.bulk_campaign_id,
        message_events.event_date

),

campaign_launches as (

    select
        bulk_campaign_id,
        min(event_date) as launch_date
    from campaign_day_events
    where count_sends > 0
    group by bulk_campaign_id

),

-- Rates are decimals so that their sums are exact and the same on every run, whatever the summation order.
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

-- The same rates over the whole mailing base, from the optional daily aggregates (empty without the file),
-- over the same days only: the file runs past the data, and its later days would leak.
campaign_base_matured_rates as (

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
        cast(campaign_launches.bulk_campaign_id as integer) as bulk_campaign_id,
        cast(campaign_launches.launch_date as date) as launch_date,
        campaign_matured_rates.open_rate,
        campaign_matured_rates.click_rate,
        campaign_matured_rates.purchase_rate,
        campaign_base_matured_rates.open_rate as base_open_rate,
        campaign_base_matured_rates.click_rate as base_click_rate,
        campaign_base_matured_rates.purchase_rate as base_purchase_rate
    from campaign_launches
    inner join campaign_matured_rates
        on campaign_launches.bulk_campaign_id = campaign_matured_rates.bulk_campaign_id
    left join campaign_base_matured_rates
        on campaign_launches.bulk_campaign_id = campaign_base_matured_rates.bulk_campaign_id

)

select * from final
