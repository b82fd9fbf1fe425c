{#-
    The rated send measures of the message models, in column order: what a send adds when its campaign has
    response rates (int_apparel__campaign_rates_over_first_days), in this data and over the whole mailing base
    (`base_`). `count_rated_sends` counts the sends whose campaign has an open rate; each
    `sum_campaign_<rate>_rate` sums that rate over them. Each is a dict:
      name       the column, in int_apparel__messages_aggregated_to_client_segment and, with a scope suffix,
                 in int_apparel__messages_aggregated_to_client_cutoff
      rate       the column of the campaign rates it reads
      aggregate  count (the sends that have the rate) or sum (of the rate)
      type       the column's type: integer counts, exact decimal sums
    The segment model aggregates a segment's sends with `aggregate`; the refresh of the cutoff model takes one
    send's value, apparel_rated_send_value().
-#}
{% macro apparel_rated_send_measures() %}
    {%- set measures = [] -%}
    {%- for prefix in ['', 'base_'] -%}
        {%- do measures.append({
            'name': 'count_' ~ prefix ~ 'rated_sends',
            'rate': prefix ~ 'open_rate',
            'aggregate': 'count',
            'type': 'integer',
        }) -%}
        {%- for rate in ['open', 'click', 'purchase'] -%}
            {%- do measures.append({
                'name': 'sum_campaign_' ~ prefix ~ rate ~ '_rate',
                'rate': prefix ~ rate ~ '_rate',
                'aggregate': 'sum',
                'type': 'decimal(38, 12)',
            }) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(measures) }}
{% endmacro %}

{#- What one event adds to a rated send measure (`relation` holds the campaign rates, null when the event is
    not a send or its campaign has no rate): 1 or 0 for a count, the rate or 0 for a sum. Summed over events,
    it is the measure's aggregate over them, 0 instead of null when none has the rate. -#}
{% macro apparel_rated_send_value(measure, relation='campaign_rates') -%}
    {%- if measure.aggregate == 'count' -%}
        case when {{ relation }}.{{ measure.rate }} is not null then 1 else 0 end
    {%- else -%}
        coalesce({{ relation }}.{{ measure.rate }}, 0)
    {%- endif -%}
{%- endmacro %}

{#-
    The measures of int_apparel__messages_aggregated_to_client_cutoff, in column order, each written once for
    both of its paths: the full build sums window segments, a refresh carries the latest cutoff forward. A
    measure aggregates a client's events (of one event and channel) over the days
    (cutoff - from_days, cutoff - to_days], from_days none for all history. Each is a dict:
      name, type      the column and its type
      aggregate       sum, min or max
      segment_value   what one segment of int_apparel__messages_aggregated_to_client_segment adds (full build)
      event_value     what one event adds (refresh: a column of the model's event_values)
      from_days, to_days
    The counts cover every window of window_offsets_days() and all history. The rated send measures count
    matured sends only, sent at least campaign_rate_maturity_days before the cutoff (their campaign's rates
    are known), over all history and over the campaign_recent_window_days before that.
-#}
{% macro apparel_message_cutoff_measures() %}
    {%- set maturity = var('campaign_rate_maturity_days') | int -%}
    {%- set recent = var('campaign_recent_window_days') | int -%}
    {%- set measures = [] -%}
    {%- for days in window_offsets_days() -%}
        {%- do measures.append({
            'name': 'count_' ~ days ~ 'd', 'type': 'integer', 'aggregate': 'sum',
            'segment_value': 'message_segments.count_events', 'event_value': 1,
            'from_days': days, 'to_days': 0,
        }) -%}
    {%- endfor -%}
    {%- do measures.append({
        'name': 'count_lifetime', 'type': 'integer', 'aggregate': 'sum',
        'segment_value': 'message_segments.count_events', 'event_value': 1,
        'from_days': none, 'to_days': 0,
    }) -%}
    {%- do measures.append({
        'name': 'first_event_date', 'type': 'date', 'aggregate': 'min',
        'segment_value': 'message_segments.first_event_date', 'event_value': 'event_date',
        'from_days': none, 'to_days': 0,
    }) -%}
    {%- do measures.append({
        'name': 'last_event_date', 'type': 'date', 'aggregate': 'max',
        'segment_value': 'message_segments.last_event_date', 'event_value': 'event_date',
        'from_days': none, 'to_days': 0,
    }) -%}
    {#- The rated send measures, counts first (the table's column order). -#}
    {%- set rated = apparel_rated_send_measures() -%}
    {%- set rated_counts = rated | selectattr('aggregate', 'equalto', 'count') | list -%}
    {%- set rated_sums = rated | rejectattr('aggregate', 'equalto', 'count') | list -%}
    {%- for rated_measure in rated_counts + rated_sums -%}
        {%- for scope, from_days in [('matured', none), ('matured_' ~ recent ~ 'd', maturity + recent)] -%}
            {%- do measures.append({
                'name': rated_measure.name ~ '_' ~ scope, 'type': rated_measure.type, 'aggregate': 'sum',
                'segment_value': 'coalesce(message_segments.' ~ rated_measure.name ~ ', 0)',
                'event_value': rated_measure.name,
                'from_days': from_days, 'to_days': maturity,
            }) -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(measures) }}
{% endmacro %}
