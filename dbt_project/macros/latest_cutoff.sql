{#-
    The incremental refresh (scoring refresh, issue 7): after a full build, new days of events move the latest
    cutoff from the warehouse's `replaced_as_of_date` to `as_of_date` (both vars set by the runner). Models
    that hold rows per cutoff are incremental: a full build (always --full-refresh) computes every cutoff of
    the spine; a refresh computes the latest cutoff only, inserts its rows and deletes those of the cutoff it
    replaces. The past cutoffs of the training spine stay as the last full build made them (their features
    and labels feed training, which the full build serves; a refresh serves scoring).
-#}

{#- The config of a model with rows per cutoff: on DuckDB a refresh replaces the rows of the new cutoff (if
    any: a refresh run again) and deletes the replaced cutoff's rows. Spark builds in full only (the refresh
    refuses it), where `append` is the strategy dbt-spark accepts for Parquet tables. -#}
{% macro latest_cutoff_incremental_config() %}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'delete+insert' if target.type == 'duckdb' else 'append',
        'unique_key': 'as_of_date' if target.type == 'duckdb' else none,
        'post_hook': "{{ delete_replaced_cutoff() }}",
    }) }}
{% endmacro %}

{#- Post-hook: on a refresh, delete the rows of the cutoff the new latest one replaces. -#}
{% macro delete_replaced_cutoff() %}
    {%- if is_incremental() and var('replaced_as_of_date', '') and var('replaced_as_of_date') != var('as_of_date') -%}
        delete from {{ this }} where as_of_date = cast('{{ var("replaced_as_of_date") }}' as date)
    {%- endif -%}
{% endmacro %}

{#- A where clause that keeps the latest cutoff only, on a refresh (nothing on a full build). -#}
{% macro only_latest_cutoff_on_refresh(date_column='as_of_date') %}
    {%- if is_incremental() -%}
        where {{ date_column }} = cast('{{ var("as_of_date") }}' as date)
    {%- endif -%}
{% endmacro %}

{#- Whether event_date is one of the days that moving the cutoff from `previous_date` to `latest_date` takes
    past the start of a window `shift` days long: (previous - shift, latest - shift]. With shift 0, the days
    that enter every window; with shift N, the days that leave the N-day window. -#}
{% macro days_moved(shift, previous_date, latest_date) -%}
    (event_date > {{ add_days(previous_date, -shift) }} and event_date <= {{ add_days(latest_date, -shift) }})
{%- endmacro %}
