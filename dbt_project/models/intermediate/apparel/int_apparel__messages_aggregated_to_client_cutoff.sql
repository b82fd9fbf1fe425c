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
{#- Every measure, listed once for both paths (macros/apparel_message_measures.sql). -#}
{%- set measures = apparel_message_cutoff_measures() -%}
{%- set rated = apparel_rated_send_measures() %}
{{ config(**latest_cutoff_incremental_config()) }}

with

{% if not is_incremental() -%}
cutoff_dates as (

    select * from {{ ref('int_apparel__cutoff_dates') }}

),

message_segments as (

    select * from {{ ref('int_apparel__messages_aggregated_to_client_segment') }}

),

-- Each measure aggregates the segments that start inside its days (no segment straddles a window start).
aggregated as (

    select
        message_segments.client_id,
        cutoff_dates.as_of_date,
        message_segments.event,
        message_segments.channel,
        {%- for measure in measures %}
        {%- set conditions = [] %}
        {%- if measure.from_days is not none %}
        {%- do conditions.append('message_segments.segment_start_date >= cutoff_dates.'
            ~ window_start_column(measure.from_days)) %}
        {%- endif %}
        {%- if measure.to_days > 0 %}
        {%- do conditions.append('message_segments.segment_start_date < cutoff_dates.'
            ~ window_start_column(measure.to_days)) %}
        {%- endif %}
        {%- if not conditions %}
        {{ measure.aggregate }}({{ measure.segment_value }}) as {{ measure.name }}
        {%- else %}
        {{ measure.aggregate }}(
            case
                {%- if conditions | length == 1 %}
                when {{ conditions[0] }}
                {%- else %}
                when
                    {{ conditions[0] }}
                    and {{ conditions[1] }}
                {%- endif %}
                    then {{ measure.segment_value }}
                {%- if measure.aggregate == 'sum' %}
                else 0
                {%- endif %}
            end
        ) as {{ measure.name }}
        {%- endif %}
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
        {%- for rated_measure in rated %}
        {{ apparel_rated_send_value(rated_measure) }} as {{ rated_measure.name }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from message_events
    left join campaign_rates
        on message_events.bulk_campaign_id = campaign_rates.bulk_campaign_id
        and message_events.event = 'send'

),

-- Per client, event and channel: what the move adds to (days entering) and takes from (days leaving) each
-- window. Days after the replaced cutoff enter every window; a window of N days loses the days that are N
-- days behind them. Matured sends enter `maturity` days late.
changes as (

    select
        client_id,
        event,
        channel,
        {%- for measure in measures %}
        {%- set value = measure.event_value %}
        {%- if measure.aggregate == 'sum' %}
        sum(
            case when {{ days_moved(measure.to_days, previous_date, latest_date) }} then {{ value }} else 0 end
            {%- if measure.from_days is not none %}
            - case when {{ days_moved(measure.from_days, previous_date, latest_date) }} then {{ value }} else 0 end
            {%- endif %}
        ) as {{ measure.name }}
        {%- elif measure.from_days is none %}
        {{ measure.aggregate }}(case when {{ days_moved(measure.to_days, previous_date, latest_date) }} then {{ value }} end)
            as {{ measure.name }}
        {%- else %}
        {{ exceptions.raise_compiler_error(
            measure.name ~ ': a ' ~ measure.aggregate ~ ' over a window cannot be carried forward'
        ) }}
        {%- endif %}
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
        {%- for measure in measures %}
        {%- set previous = 'previous_cutoff.' ~ measure.name %}
        {%- set change = 'changes.' ~ measure.name %}
        {%- if measure.aggregate == 'sum' %}
        coalesce({{ previous }}, 0) + coalesce({{ change }}, 0) as {{ measure.name }}
        {%- elif measure.aggregate == 'min' %}
        {#- the replaced cutoff's events all come before the days entering #}
        coalesce({{ previous }}, {{ change }}) as {{ measure.name }}
        {%- else %}
        case
            when {{ change }} is null then {{ previous }}
            when {{ previous }} is null then {{ change }}
            when {{ change }} > {{ previous }} then {{ change }}
            else {{ previous }}
        end as {{ measure.name }}
        {%- endif %}
        {%- if not loop.last %},{% endif %}
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
        {%- for measure in measures %}
        cast({{ measure.name }} as {{ measure.type }}) as {{ measure.name }}
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from aggregated

)

select * from final
