{#- Portable arithmetic and date helpers built on the dbt.* cross-database macros. -#}

{#- num / den as a double, null when den is 0 or null. -#}
{% macro safe_divide(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0)
{%- endmacro %}

{#- Whole days from start_date to end_date (positive when end_date is later), as an integer. -#}
{% macro days_between(start_date, end_date) -%}
    cast({{ dbt.datediff(start_date, end_date, 'day') }} as integer)
{%- endmacro %}

{#- date_expression plus a number of days, as a date. -#}
{% macro add_days(date_expression, days) -%}
    cast({{ dbt.dateadd('day', days, date_expression) }} as date)
{%- endmacro %}

{#-
    (recent - previous) / (recent + previous): +1 all in the recent window, -1 all in the previous one,
    0 flat, null when both are 0.
-#}
{% macro trend_ratio(recent, previous) -%}
    cast(({{ recent }}) - ({{ previous }}) as double) / nullif(cast(({{ recent }}) + ({{ previous }}) as double), 0)
{%- endmacro %}

{#- The median of an expression over a group (nulls ignored), exact. -#}
{% macro median(expression) %}
    {{ return(adapter.dispatch('median')(expression)) }}
{% endmacro %}

{% macro duckdb__median(expression) -%}
    median({{ expression }})
{%- endmacro %}

{% macro spark__median(expression) -%}
    percentile({{ expression }}, 0.5)
{%- endmacro %}
