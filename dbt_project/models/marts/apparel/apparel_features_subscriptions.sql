-- Deliverability and consent features, one row per (client_id, as_of_date): bounces, spam blocks,
-- complaints, unsubscribes, subscribes and closes per channel, the subscription state of each channel at the
-- cutoff, from the message segments, and whether a campaign can reach the client on some channel then.
-- Independent of apparel_features_message_engagement on purpose, so dbt builds the two side by side.
{%- set rare_events = [
    'hard_bounce', 'soft_bounce', 'hbq_spam', 'complain', 'unsubscribe', 'subscribe', 'close',
] -%}
{%- set channels = ['email', 'mobile_push'] %}

{{ config(**latest_cutoff_incremental_config()) }}

with

clients_at_cutoffs as (

    select * from {{ ref('int_apparel__clients_at_cutoffs') }}
    {{ only_latest_cutoff_on_refresh() }}

),

message_cutoffs as (

    select * from {{ ref('int_apparel__messages_aggregated_to_client_cutoff') }}
    {{ only_latest_cutoff_on_refresh() }}

),

-- Per client, cutoff and channel: the rare events by type, the last opt-out, opt-in, hard failure and
-- engagement, and the count of every event.
channel_events as (

    select
        message_cutoffs.client_id,
        message_cutoffs.as_of_date,
        {%- for event in rare_events %}
        {%- for channel in channels %}
        sum(
            case
                when message_cutoffs.event = '{{ event }}' and message_cutoffs.channel = '{{ channel }}'
                    then message_cutoffs.count_lifetime
                else 0
            end
        ) as count_{{ event }}_{{ channel }},
        {%- endfor %}
        {%- endfor %}
        {%- for channel in channels %}
        max(
            case
                when
                    message_cutoffs.event in ('unsubscribe', 'complain')
                    and message_cutoffs.channel = '{{ channel }}'
                    then message_cutoffs.last_event_date
            end
        ) as last_opt_out_{{ channel }}_date,
        max(
            case
                when message_cutoffs.event = 'subscribe' and message_cutoffs.channel = '{{ channel }}'
                    then message_cutoffs.last_event_date
            end
        ) as last_opt_in_{{ channel }}_date,
        max(
            case
                when
                    message_cutoffs.event in ('hard_bounce', 'hbq_spam')
                    and message_cutoffs.channel = '{{ channel }}'
                    then message_cutoffs.last_event_date
            end
        ) as last_hard_failure_{{ channel }}_date,
        -- the last sign that a message got through: the most recent open, click or purchase event
        max(
            case
                when
                    message_cutoffs.event in ('open', 'click', 'purchase')
                    and message_cutoffs.channel = '{{ channel }}'
                    then message_cutoffs.last_event_date
            end
        ) as last_engagement_{{ channel }}_date,
        sum(
            case when message_cutoffs.channel = '{{ channel }}' then message_cutoffs.count_lifetime else 0 end
        ) as count_events_{{ channel }}
        {%- if not loop.last %},{% endif %}{% endfor %}
    from message_cutoffs
    group by
        message_cutoffs.client_id,
        message_cutoffs.as_of_date

),

joined as (

    select
        clients_at_cutoffs.client_id,
        clients_at_cutoffs.as_of_date,
        {%- for event in rare_events %}
        {%- for channel in channels %}
        coalesce(channel_events.count_{{ event }}_{{ channel }}, 0) as count_{{ event }}_{{ channel }},
        {%- endfor %}
        {%- endfor %}
        {%- for channel in channels %}
        {{ days_between(
            'channel_events.last_opt_out_' ~ channel ~ '_date',
            'clients_at_cutoffs.as_of_date'
        ) }} as days_since_last_opt_out_{{ channel }},
        {{ days_between(
            'channel_events.last_opt_in_' ~ channel ~ '_date',
            'clients_at_cutoffs.as_of_date'
        ) }} as days_since_last_opt_in_{{ channel }},
        {{ days_between(
            'channel_events.last_hard_failure_' ~ channel ~ '_date',
            'clients_at_cutoffs.as_of_date'
        ) }} as days_since_last_hard_failure_{{ channel }},
        {{ days_between(
            'channel_events.last_engagement_' ~ channel ~ '_date',
            'clients_at_cutoffs.as_of_date'
        ) }} as days_since_last_engagement_{{ channel }},
        coalesce(channel_events.count_events_{{ channel }}, 0) as count_events_{{ channel }}
        {%- if not loop.last %},{% endif %}{% endfor %}
    from clients_at_cutoffs
    left join channel_events
        on clients_at_cutoffs.client_id = channel_events.client_id
        and clients_at_cutoffs.as_of_date = channel_events.as_of_date

),

-- The state rule, in order (days since: smaller is later; a same-day tie keeps the earlier state):
-- no event on the channel -> never_messaged; an unsubscribe or complaint after the last subscribe ->
-- unsubscribed; a hard bounce or spam block after the last open/click/purchase -> bounced; else subscribed.
states as (

    select
        *,
        {%- for channel in channels %}
        case
            when count_events_{{ channel }} = 0 then 'never_messaged'
            when
                days_since_last_opt_out_{{ channel }} is not null
                and (
                    days_since_last_opt_in_{{ channel }} is null
                    or days_since_last_opt_out_{{ channel }} < days_since_last_opt_in_{{ channel }}
                )
                then 'unsubscribed'
            when
                days_since_last_hard_failure_{{ channel }} is not null
                and (
                    days_since_last_engagement_{{ channel }} is null
                    or days_since_last_hard_failure_{{ channel }} < days_since_last_engagement_{{ channel }}
                )
                then 'bounced'
            else 'subscribed'
        end as {{ channel }}_subscription_state
        {%- if not loop.last %},{% endif %}{% endfor %}
    from joined

),

-- Who a campaign may contact: reachable on some channel; else opted out or bounced on every channel it had;
-- else never messaged on any channel (no channel known to reach it on).
channel_counts as (

    select
        *,
        {%- for state in ['subscribed', 'never_messaged'] %}
        {%- for channel in channels %}
        case when {{ channel }}_subscription_state = '{{ state }}' then 1 else 0 end
        {%- if not loop.last %} +{% endif %}
        {%- endfor %} as count_{{ state }}_channels
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from states

),

reach as (

    select
        *,
        count_subscribed_channels as count_reachable_channels,
        case
            when count_subscribed_channels > 0 then 'reachable'
            when count_never_messaged_channels = {{ channels | length }} then 'never_messaged'
            else 'opted_out_or_bounced'
        end as contact_status
    from channel_counts

),

final as (

    select
        client_id,
        as_of_date,
        {%- for event in rare_events %}
        {%- for channel in channels %}
        cast(count_{{ event }}_{{ channel }} as integer) as count_{{ event }}_{{ channel }}_lifetime,
        {%- endfor %}
        cast(count_{{ event }}_email + count_{{ event }}_mobile_push as integer)
            as count_{{ event }}_lifetime,
        {%- endfor %}
        {%- for channel in channels %}
        cast(days_since_last_opt_out_{{ channel }} as integer) as days_since_last_opt_out_{{ channel }},
        cast(days_since_last_hard_failure_{{ channel }} as integer)
            as days_since_last_hard_failure_{{ channel }},
        cast({{ channel }}_subscription_state as {{ dbt.type_string() }}) as {{ channel }}_subscription_state,
        cast({{ channel }}_subscription_state = 'subscribed' as boolean) as is_{{ channel }}_subscribed,
        {%- endfor %}
        cast(count_reachable_channels as integer) as count_reachable_channels,
        cast(contact_status as {{ dbt.type_string() }}) as contact_status
    from reach

)

select * from final
