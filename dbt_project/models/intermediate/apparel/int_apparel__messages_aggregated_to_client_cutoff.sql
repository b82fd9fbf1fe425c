-- One row per (client_id, as_of_date, event, channel): the client's message events at each cutoff, counted
-- over every window before it and over its lifetime, with the first and last event dates and, for sends, the
-- campaign rates of the matured sends. The three message feature families read it.
-- A full build sums the window segments. A refresh (scoring refresh) carries the latest cutoff forward
-- instead of reading the history: each window's count at the new cutoff is its count at the replaced
-- cutoff, plus the days that entered the window, minus the days that left it, so it reads only those few
-- days of int_apparel__messages_deduplicated. Counts and decimal sums make the carry exact.
-- depends_on: {{ ref('int_apparel__messages_deduplicated') }}
-- depends_on: {{ ref('int_apparel__campaign_rates_over_first_days') }}
{%- set offsets = window_offsets_days() -%}
{%- set maturity = var('campaign_rate_maturity_days') | int -%}
{%- set recent = var('campaign_recent_window_days') | int -%}
{%- set rated = ['count_rated_sends', 'count_base_rated_sends'] -%}
{%- set matured_start = window_start_column(maturity) -%}
{%- set recent_start = window_start_column(maturity + recent) -%}
{%- for prefix in ['', 'base_'] -%}
{%- for rate in ['open', 'click', 'purchase'] -%}
{%- do rated.append('sum_campaign_' ~ prefix ~ rate ~ '_rate') -%}
{%- endfor -%}
{%- endfor %}
{{ config(**latest_cutoff_incremental_config()) }}

with

{% if not is_incremental() -%}
cutoff_dates as (

    select * from {{ ref('int_apparel__cutoff_dates') }}

),

message_segments as (

    select * from {{ ref('int_apparel__messages_aggregated_to_client_segment') }}

),

-- Sends are matured at a cutoff when sent at least `maturity` days before it (their campaign's rates are
-- known); the recent scope keeps those sent in the `recent` days before that.
aggregated as (

    select
        message_segments.client_id,
        cutoff_dates.as_of_date,
        message_segments.event,
        message_segments.channel,
        {%- for days in offsets %}
        sum(
            case
                when message_segments.segment_start_date >= cutoff_dates.{{ window_start_column(days) }}
                    then message_segments.count_events
                else 0
            end
        ) as count_{{ days }}d,
        {%- endfor %}
        sum(message_segments.count_events) as count_lifetime,
        min(message_segments.first_event_date) as first_event_date,
        max(message_segments.last_event_date) as last_event_date,
        {%- for measure in rated %}
        sum(
            case
                when message_segments.segment_start_date < cutoff_dates.{{ matured_start }}
                    then coalesce(message_segments.{{ measure }}, 0)
                else 0
            end
        ) as {{ measure }}_matured,
        sum(
            case
                when
                    message_segments.segment_start_date >= cutoff_dates.{{ recent_start }}
                    and message_segments.segment_start_date < cutoff_dates.{{ matured_start }}
                    then coalesce(message_segments.{{ measure }}, 0)
                else 0
            end
        ) as {{ measure }}_matured_{{ recent }}d
        {%- if not loop.last %},{% endif %}{% endfor %}
    from message_segments
    inner join cutoff_dates
        on message_segments.segment_start_date <= cutoff_dates.as_of_date
    group by
        message_segments.client_id,
        cutoff_dates.as_of_date,
        message_segments.event,
        message_segments.channel

),
{%- else -%}
{%- set previous_date = "cast('" ~ run_var('replaced_as_of_date') ~ "' as date)" -%}
{%- set latest_date = "cast('" ~ run_var('as_of_date') ~ "' as date)" -%}
{%- set shifts = [0, maturity, maturity + recent] + offsets -%}
previous_cutoff as (

    select * from {{ this }}
    where as_of_date = {{ previous_date }}

),

-- Only the days that enter or leave some window are read.
message_events as (

    select * from {{ ref('int_apparel__messages_deduplicated') }}
    where
        {%- for shift in shifts | unique %}
        {{ days_moved(shift, previous_date, latest_date) }}
        {%- if not loop.last %} or{% endif %}
        {%- endfor %}

),

campaign_rates as (

    select * from {{ ref('int_apparel__campaign_rates_over_first_days') }}

),

-- What each event is worth to the counts and the rated measures: a send counts its campaign's rates.
event_values as (

    select
        message_events.client_id,
        message_events.event,
        message_events.channel,
        message_events.event_date,
        case when campaign_rates.open_rate is not null then 1 else 0 end as count_rated_sends,
        case when campaign_rates.base_open_rate is not null then 1 else 0 end as count_base_rated_sends,
        {%- for prefix in ['', 'base_'] %}
        {%- for rate in ['open', 'click', 'purchase'] %}
        coalesce(campaign_rates.{{ prefix }}{{ rate }}_rate, 0)
            as sum_campaign_{{ prefix }}{{ rate }}_rate
        {%- if not (loop.last and prefix == 'base_') %},{% endif %}
        {%- endfor %}
        {%- endfor %}
    from message_events
    left join campaign_rates
        on message_events.bulk_campaign_id = campaign_rates.bulk_campaign_id
        and message_events.event = 'send'

),

-- Per client, event and channel: what the move adds to (days entering) and takes from (days leaving) each
-- window. Days after the replaced cutoff enter every window; a window of N days loses the days that are N
-- days behind them. Matured sends enter `maturity` days late.
{%- set entering = days_moved(0, previous_date, latest_date) %}
changes as (

    select
        client_id,
        event,
        channel,
        {%- for days in offsets %}
        sum(
            case when {{ entering }} then 1 else 0 end
            - case when {{ days_moved(days, previous_date, latest_date) }} then 1 else 0 end
        ) as count_{{ days }}d,
        {%- endfor %}
        sum(case when {{ entering }} then 1 else 0 end) as count_lifetime,
        min(case when {{ entering }} then event_date end) as first_event_date,
        max(case when {{ entering }} then event_date end) as last_event_date,
        {%- for measure in rated %}
        sum(case when {{ days_moved(maturity, previous_date, latest_date) }} then {{ measure }} else 0 end)
            as {{ measure }}_matured,
        sum(
            case when {{ days_moved(maturity, previous_date, latest_date) }} then {{ measure }} else 0 end
            - case
                when {{ days_moved(maturity + recent, previous_date, latest_date) }} then {{ measure }} else 0
            end
        ) as {{ measure }}_matured_{{ recent }}d
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from event_values
    group by
        client_id,
        event,
        channel

),

aggregated as (

    select
        coalesce(previous_cutoff.client_id, changes.client_id) as client_id,
        {{ latest_date }} as as_of_date,
        coalesce(previous_cutoff.event, changes.event) as event,
        coalesce(previous_cutoff.channel, changes.channel) as channel,
        {%- for days in offsets %}
        coalesce(previous_cutoff.count_{{ days }}d, 0) + coalesce(changes.count_{{ days }}d, 0)
            as count_{{ days }}d,
        {%- endfor %}
        coalesce(previous_cutoff.count_lifetime, 0) + coalesce(changes.count_lifetime, 0) as count_lifetime,
        coalesce(previous_cutoff.first_event_date, changes.first_event_date) as first_event_date,
        case
            when changes.last_event_date is null then previous_cutoff.last_event_date
            when previous_cutoff.last_event_date is null then changes.last_event_date
            when changes.last_event_date > previous_cutoff.last_event_date then changes.last_event_date
            else previous_cutoff.last_event_date
        end as last_event_date,
        {%- for measure in rated %}
        {%- for scope in ['matured', 'matured_' ~ recent ~ 'd'] %}
        coalesce(previous_cutoff.{{ measure }}_{{ scope }}, 0) + coalesce(changes.{{ measure }}_{{ scope }}, 0)
            as {{ measure }}_{{ scope }}
        {%- if not (loop.last and measure == rated[-1]) %},{% endif %}
        {%- endfor %}
        {%- endfor %}
    from previous_cutoff
    full outer join changes
        on previous_cutoff.client_id = changes.client_id
        and previous_cutoff.event = changes.event
        and previous_cutoff.channel = changes.channel

),
{%- endif %}

final as (

    select
        cast(client_id as bigint) as client_id,
        cast(as_of_date as date) as as_of_date,
        cast(event as {{ dbt.type_string() }}) as event,
        cast(channel as {{ dbt.type_string() }}) as channel,
        {%- for days in offsets %}
        cast(count_{{ days }}d as integer) as count_{{ days }}d,
        {%- endfor %}
        cast(count_lifetime as integer) as count_lifetime,
        cast(first_event_date as date) as first_event_date,
        cast(last_event_date as date) as last_event_date,
        {%- for measure in rated %}
        {%- set type = 'integer' if measure.startswith('count') else 'decimal(38, 12)' %}
        cast({{ measure }}_matured as {{ type }}) as {{ measure }}_matured,
        cast({{ measure }}_matured_{{ recent }}d as {{ type }}) as {{ measure }}_matured_{{ recent }}d
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from aggregated

)

select * from final
