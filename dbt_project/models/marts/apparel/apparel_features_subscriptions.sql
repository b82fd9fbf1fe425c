-- Deliverability and consent features, one row per (client_id, as_of_date): bounces, spam blocks,
-- complaints, unsubscribes, subscribes and closes per channel, and the subscription state of each channel at
-- the cutoff. Uses the rare events of the message segments and the engagement recency already computed in
-- apparel_features_message_engagement.
{%- set rare_events = [
    'hard_bounce', 'soft_bounce', 'hbq_spam', 'complain', 'unsubscribe', 'subscribe', 'close',
] -%}
{%- set channels = ['email', 'mobile_push'] %}

with

clients_at_cutoffs as (

    select * from {{ ref('int_apparel__clients_at_cutoffs') }}

),

cutoff_dates as (

    select * from {{ ref('int_apparel__cutoff_dates') }}

),

message_segments as (

    select * from {{ ref('int_apparel__messages_aggregated_to_client_segment') }}

),

engagement as (

    select * from {{ ref('apparel_features_message_engagement') }}

),

rare_events as (

    select
        message_segments.client_id,
        cutoff_dates.as_of_date,
        {%- for event in rare_events %}
        {%- for channel in channels %}
        sum(
            case
                when message_segments.event = '{{ event }}' and message_segments.channel = '{{ channel }}'
                    then message_segments.count_events
                else 0
            end
        ) as count_{{ event }}_{{ channel }},
        {%- endfor %}
        {%- endfor %}
        {%- for channel in channels %}
        max(
            case
                when
                    message_segments.event in ('unsubscribe', 'complain')
                    and message_segments.channel = '{{ channel }}'
                    then message_segments.last_event_date
            end
        ) as last_opt_out_{{ channel }}_date,
        max(
            case
                when message_segments.event = 'subscribe' and message_segments.channel = '{{ channel }}'
                    then message_segments.last_event_date
            end
        ) as last_opt_in_{{ channel }}_date,
        max(
            case
                when
                    message_segments.event in ('hard_bounce', 'hbq_spam')
                    and message_segments.channel = '{{ channel }}'
                    then message_segments.last_event_date
            end
        ) as last_hard_failure_{{ channel }}_date
        {%- if not loop.last %},{% endif %}{% endfor %}
    from message_segments
    inner join cutoff_dates
        on message_segments.segment_start_date <= cutoff_dates.as_of_date
    where
        message_segments.event in (
            '{{ rare_events | join("', '") }}'
        )
    group by
        message_segments.client_id,
        cutoff_dates.as_of_date

),

joined as (

    select
        clients_at_cutoffs.client_id,
        clients_at_cutoffs.as_of_date,
        {%- for event in rare_events %}
        {%- for channel in channels %}
        coalesce(rare_events.count_{{ event }}_{{ channel }}, 0) as count_{{ event }}_{{ channel }},
        {%- endfor %}
        {%- endfor %}
        {%- for channel in channels %}
        {{ days_between('rare_events.last_opt_out_' ~ channel ~ '_date', 'clients_at_cutoffs.as_of_date') }}
            as days_since_last_opt_out_{{ channel }},
        {{ days_between('rare_events.last_opt_in_' ~ channel ~ '_date', 'clients_at_cutoffs.as_of_date') }}
            as days_since_last_opt_in_{{ channel }},
        {{ days_between(
            'rare_events.last_hard_failure_' ~ channel ~ '_date',
            'clients_at_cutoffs.as_of_date'
        ) }} as days_since_last_hard_failure_{{ channel }},
        -- the last sign that a message got through: the most recent open, click or purchase event
        least(
            engagement.days_since_last_open_{{ channel }},
            engagement.days_since_last_click_{{ channel }},
            engagement.days_since_last_purchase_event_{{ channel }}
        ) as days_since_last_engagement_{{ channel }},
        engagement.count_send_{{ channel }}_lifetime
        + engagement.count_open_{{ channel }}_lifetime
        + engagement.count_click_{{ channel }}_lifetime
        + engagement.count_purchase_event_{{ channel }}_lifetime
        {%- for event in rare_events %}
        + coalesce(rare_events.count_{{ event }}_{{ channel }}, 0)
        {%- endfor %}
            as count_events_{{ channel }}
        {%- if not loop.last %},{% endif %}{% endfor %}
    from clients_at_cutoffs
    inner join engagement
        on clients_at_cutoffs.client_id = engagement.client_id
        and clients_at_cutoffs.as_of_date = engagement.as_of_date
    left join rare_events
        on clients_at_cutoffs.client_id = rare_events.client_id
        and clients_at_cutoffs.as_of_date = rare_events.as_of_date

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
        cast({{ channel }}_subscription_state = 'subscribed' as boolean) as is_{{ channel }}_subscribed
        {%- if not loop.last %},{% endif %}{% endfor %}
    from states

)

select * from final
