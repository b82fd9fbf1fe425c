-- Message engagement features, one row per (client_id, as_of_date): sends, opens, clicks and purchase events
-- per channel and window, the funnel rates between them, days since the last of each, and the recent trend.
-- Each (event, channel) is aggregated on its own and joined back: one narrow pass per pair is much cheaper
-- than one wide pivot over all of them.
{%- set windows = var('feature_windows_days') | map('int') | list -%}
{%- set trend = var('trend_window_days') | int -%}
{%- set events = ['send', 'open', 'click', 'purchase'] -%}
{%- set channels = ['email', 'mobile_push'] -%}
{%- set scopes = [] -%}
{%- for days in windows -%}{%- do scopes.append(days ~ 'd') -%}{%- endfor -%}
{%- do scopes.append('lifetime') -%}
{#- funnel rates: (name, numerator event, denominator event) -#}
{%- set rates = [
    ('open_per_send', 'open', 'send'),
    ('click_per_open', 'click', 'open'),
    ('purchase_event_per_click', 'purchase', 'click'),
] -%}
{#- column names say purchase_event, so they never clash with the purchase features of the purchases
    family -#}
{%- set labels = {'send': 'send', 'open': 'open', 'click': 'click', 'purchase': 'purchase_event'} %}

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
{%- for event in events %}
{%- for channel in channels %}

{{ event }}_{{ channel }} as (

    select
        client_id,
        as_of_date,
        {%- for days in windows %}
        count_{{ days }}d,
        {%- endfor %}
        count_lifetime,
        count_{{ 2 * trend }}d - count_{{ trend }}d as count_prev_{{ trend }}d,
        count_{{ trend }}d as count_trend_recent,
        last_event_date
    from message_cutoffs
    where
        event = '{{ event }}'
        and channel = '{{ channel }}'

),
{%- endfor %}
{%- endfor %}

joined as (

    select
        clients_at_cutoffs.client_id,
        clients_at_cutoffs.as_of_date,
        {%- for event in events %}
        {%- for channel in channels %}
        {%- for scope in scopes %}
        coalesce({{ event }}_{{ channel }}.count_{{ scope }}, 0)
            as count_{{ event }}_{{ channel }}_{{ scope }},
        {%- endfor %}
        coalesce({{ event }}_{{ channel }}.count_prev_{{ trend }}d, 0)
            as count_{{ event }}_{{ channel }}_prev_{{ trend }}d,
        coalesce({{ event }}_{{ channel }}.count_trend_recent, 0)
            as count_{{ event }}_{{ channel }}_trend_recent,
        {{ event }}_{{ channel }}.last_event_date as last_{{ event }}_{{ channel }}_date,
        {%- endfor %}
        {%- endfor %}
        1 as join_marker
    from clients_at_cutoffs{% for event in events %}{% for channel in channels %}
    left join {{ event }}_{{ channel }}
        on clients_at_cutoffs.client_id = {{ event }}_{{ channel }}.client_id
        and clients_at_cutoffs.as_of_date = {{ event }}_{{ channel }}.as_of_date
    {%- endfor %}{% endfor %}

),

all_channels as (

    select
        *,
        {%- for event in events %}
        {%- for scope in scopes + ['prev_' ~ trend ~ 'd', 'trend_recent'] %}
        {%- set terms = [] -%}
        {%- for channel in channels -%}
        {%- do terms.append('count_' ~ event ~ '_' ~ channel ~ '_' ~ scope) -%}
        {%- endfor %}
        {{ terms | join(' + ') }} as count_{{ event }}_{{ scope }},
        {%- endfor %}
        {%- set lasts = [] -%}
        {%- for channel in channels -%}
        {%- do lasts.append('last_' ~ event ~ '_' ~ channel ~ '_date') -%}
        {%- endfor %}
        greatest({{ lasts | join(', ') }}) as last_{{ event }}_date
        {%- if not loop.last %},{% endif %}{% endfor %}
    from joined

),

final as (

    select
        client_id,
        as_of_date,
        {%- for event in events %}
        {%- for channel in channels + [none] %}
        {%- set suffix = '_' ~ channel if channel else '' %}
        {%- for scope in scopes %}
        cast(count_{{ event }}{{ suffix }}_{{ scope }} as integer)
            as count_{{ labels[event] }}{{ suffix }}_{{ scope }},
        {%- endfor %}
        {%- endfor %}
        {%- endfor %}
        {%- for rate_name, numerator, denominator in rates %}
        {%- for channel in channels + [none] %}
        {%- set suffix = '_' ~ channel if channel else '' %}
        {%- for scope in scopes %}
        {{ safe_divide(
            'count_' ~ numerator ~ suffix ~ '_' ~ scope,
            'count_' ~ denominator ~ suffix ~ '_' ~ scope
        ) }} as rate_{{ rate_name }}{{ suffix }}_{{ scope }},
        {%- endfor %}
        {%- endfor %}
        {%- endfor %}
        {%- for event in events %}
        {%- for channel in channels + [none] %}
        {%- set suffix = '_' ~ channel if channel else '' %}
        {{ days_between('last_' ~ event ~ suffix ~ '_date', 'as_of_date') }}
            as days_since_last_{{ labels[event] ~ suffix }},
        {%- endfor %}
        {%- endfor %}
        {%- for event in ['open', 'click', 'purchase'] %}
        cast(count_{{ event }}_prev_{{ trend }}d as integer) as count_{{ labels[event] }}_prev_{{ trend }}d,
        {{ trend_ratio('count_' ~ event ~ '_trend_recent', 'count_' ~ event ~ '_prev_' ~ trend ~ 'd') }}
            as trend_count_{{ labels[event] }}_{{ trend }}d
        {%- if not loop.last %},{% endif %}{% endfor %}
    from all_channels

)

select * from final
