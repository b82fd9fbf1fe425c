{#-
    The incremental refresh (scoring refresh, issue 7): after a full build, new days of events move the latest
    cutoff from the warehouse's `replaced_as_of_date` to `as_of_date` (both vars set by the runner). Models
    that hold rows per cutoff are incremental: a full build (always --full-refresh) computes every cutoff of
    the spine; a refresh computes the latest cutoff only, appends its rows and deletes those of the cutoff it
    replaces. The past cutoffs of the training spine stay as the last full build made them (their features
    and labels feed training, which the full build serves; a refresh serves scoring).
-#}

{#- The config of a model with rows per cutoff: a refresh appends the new cutoff's rows (the runner only ever
    applies days after the latest cutoff, so they are not there yet) and deletes the replaced cutoff's rows.
    `append` is also what dbt-spark accepts for Parquet tables (Spark builds in full only). -#}
{% macro latest_cutoff_incremental_config() %}
    {{ return({
        'materialized': 'incremental',
        'incremental_strategy': 'append',
        'post_hook': "{{ delete_replaced_cutoff() }}",
    }) }}
{% endmacro %}

{#- Post-hook: on a refresh, delete the rows of the cutoff the new latest one replaces. -#}
{% macro delete_replaced_cutoff() %}
    {%- set replaced = run_var('replaced_as_of_date', '') -%}
    {%- if is_incremental() and replaced and replaced != run_var('as_of_date') -%}
        delete from {{ this }} where as_of_date = cast('{{ replaced }}' as date)
    {%- endif -%}
{% endmacro %}

{#- on-run-start: a refresh keeps the row groups that its deletes thin out. DuckDB's checkpoint otherwise
    vacuums them: it rewrites every row group of every table with rows per cutoff, about a second and a half
    at scale 1, a third of the refresh's SQL. Without it, the row groups a refresh appended are deleted whole
    by the next refresh and dropped at no cost; the file keeps about one latest cutoff's worth of deleted rows
    (tens of MB at scale 1), whatever the number of refreshes, until the next full build writes every table
    anew. DuckDB only (max_vacuum_tasks is a global setting of the database); nothing on a full build. -#}
{% macro keep_row_groups_on_refresh() %}
    {%- if target.type == 'duckdb' and run_var('replaced_as_of_date', '') -%}
        set global max_vacuum_tasks = 0
    {%- endif -%}
{% endmacro %}

{#- A where clause that keeps the latest cutoff only, on a refresh (nothing on a full build). -#}
{% macro only_latest_cutoff_on_refresh(date_column='as_of_date') %}
    {%- if is_incremental() -%}
        where {{ date_column }} = cast('{{ run_var('as_of_date') }}' as date)
    {%- endif -%}
{% endmacro %}

{#- Whether event_date is one of the days that moving the cutoff from `previous_date` to `latest_date` takes
    past the start of a window `shift` days long: (previous - shift, latest - shift]. With shift 0, the days
    that enter every window; with shift N, the days that leave the N-day window. -#}
{% macro days_moved(shift, previous_date, latest_date) -%}
    (event_date > {{ add_days(previous_date, -shift) }} and event_date <= {{ add_days(latest_date, -shift) }})
{%- endmacro %}
