{#-
    The day offsets that window features look back from a cutoff: the feature windows, the trend window and
    the one before it, and the campaign maturity and recent windows. A window of N days covers
    (cutoff - N, cutoff], i.e. it starts at cutoff - N + 1; int_apparel__cutoff_dates has one start date
    column per offset, and int_apparel__window_segment_calendar cuts the timeline at every start date.
-#}
{% macro window_offsets_days() %}
    {%- set trend = var('trend_window_days') | int -%}
    {%- set maturity = var('campaign_rate_maturity_days') | int -%}
    {%- set recent = var('campaign_recent_window_days') | int -%}
    {%- set offsets = [] -%}
    {%- for days in var('feature_windows_days') + [trend, 2 * trend, maturity, maturity + recent] -%}
        {%- if days | int not in offsets -%}
            {%- do offsets.append(days | int) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(offsets | sort) }}
{% endmacro %}

{#- The column of int_apparel__cutoff_dates holding the first day of the N-day window before the cutoff. -#}
{% macro window_start_column(days) -%}
    window_start_{{ days | int }}d_date
{%- endmacro %}
