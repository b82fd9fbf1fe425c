-- Features of the campaigns a client received, one row per (client_id, as_of_date): the mean open, click and
-- purchase rates (per send, over each campaign's first campaign_rate_maturity_days days) of the campaigns
-- sent to the client, in this data and, when the optional daily aggregates are present, over the whole
-- mailing base. A send counts only once its campaign's rates are known: sent at least
-- campaign_rate_maturity_days before the cutoff, so every rate uses events on or before the cutoff.
{%- set maturity = var('campaign_rate_maturity_days') | int -%}
{%- set recent = var('campaign_recent_window_days') | int -%}
{%- set scopes = [('lifetime', none), (recent ~ 'd', maturity + recent)] -%}
{%- set rates = ['open', 'click', 'purchase'] %}

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

-- The matured sends of both channels: lifetime and the recent scope.
aggregated as (

    select
        client_id,
        as_of_date,
        {%- set measures = ['count_rated_sends', 'count_base_rated_sends'] -%}
        {%- for source in ['', 'base_'] -%}
        {%- for rate in rates -%}
        {%- do measures.append('sum_campaign_' ~ source ~ rate ~ '_rate') -%}
        {%- endfor -%}
        {%- endfor -%}
        {%- set expressions = [] -%}
        {%- for scope, offset in scopes -%}
        {%- for measure in measures -%}
        {%- set column = measure ~ '_matured' ~ ('_' ~ scope if offset else '') -%}
        {%- do expressions.append('sum(' ~ column ~ ') as ' ~ measure ~ '_' ~ scope) -%}
        {%- endfor -%}
        {%- endfor %}
        {{ expressions | join(',\n        ') }}
    from message_cutoffs
    where event = 'send'
    group by
        client_id,
        as_of_date

),

final as (

    select
        clients_at_cutoffs.client_id,
        clients_at_cutoffs.as_of_date,
        {%- for scope, offset in scopes %}
        cast(coalesce(aggregated.count_rated_sends_{{ scope }}, 0) as integer)
            as count_rated_campaign_sends_{{ scope }},
        {%- for source in ['', 'base_'] %}
        {%- for rate in rates %}
        {{ safe_divide(
            'aggregated.sum_campaign_' ~ source ~ rate ~ '_rate_' ~ scope,
            'aggregated.count_' ~ source ~ 'rated_sends_' ~ scope
        ) }} as mean_campaign_{{ source }}{{ rate }}_rate_{{ scope }}
        {%- if not (loop.last and source == 'base_' and scope == scopes[-1][0]) %},{% endif %}
        {%- endfor %}{% endfor %}{% endfor %}
    from clients_at_cutoffs
    left join aggregated
        on clients_at_cutoffs.client_id = aggregated.client_id
        and clients_at_cutoffs.as_of_date = aggregated.as_of_date

)

select * from final
