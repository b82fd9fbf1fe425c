{#-
    Spark only (TARGET=spark): make the scoring job's outputs queryable in Spark. The job writes each run's
    scoring.* rows as Parquet files, one folder per table (scoring/store/lake.py); this declares every folder as a
    table scoring.<name> in Spark's catalog, re-created so that it lists the files written since, and adds
    the views latest_scores and latest_segments that the DuckDB warehouse has (following each task's
    champion). `tables` maps each table name to its folder. `scoring score` runs it after its runs (and
    `scoring promote` and `rollback` after theirs):
    dbt run-operation register_scoring_tables --args '{tables: {scores: /abs/path, ...}}'
-#}
{% macro register_scoring_tables(tables) %}
    {%- if target.type != 'spark' -%}
        {{ exceptions.raise_compiler_error(
            "register_scoring_tables is for the spark target: the DuckDB warehouse has the scoring tables"
        ) }}
    {%- endif -%}
    {%- do run_query('create schema if not exists scoring') -%}
    {%- for name, folder in tables.items() %}
        {#- A table with a location is external: dropping it never deletes the files. -#}
        {%- do run_query('drop table if exists scoring.' ~ name) -%}
        {%- do run_query('create table scoring.' ~ name ~ " using parquet location '" ~ folder ~ "'") -%}
        {%- do log('registered scoring.' ~ name ~ ' over ' ~ folder, info=true) -%}
    {%- endfor %}
    {#- As in DuckDB (scoring/store/warehouse.py): the runs of the task's champion model (its train run and the
        rescores of it), or every run of a task with no champion yet. -#}
    {%- set has_aliases = 'model_aliases' in tables -%}
    {%- for view, table, extra_condition in [
        ('latest_scores', 'scores', ''),
        ('latest_segments', 'segments', 'and runs.model_run_id in (select model_run_id from scoring.segments)'),
    ] %}
        {%- if table in tables and 'model_runs' in tables -%}
            {%- set create_view -%}
            create or replace view scoring.{{ view }} as
            with
            {%- if has_aliases %}
            champions as (
                select task, max_by(model_run_id, set_at) as model_run_id
                from scoring.model_aliases
                where alias = 'champion'
                group by task
            ),
            {%- endif %}
            latest_runs as (
                select runs.task, max_by(runs.model_run_id, runs.created_at) as model_run_id
                from scoring.model_runs as runs
                {%- if has_aliases %}
                left join champions on runs.task = champions.task
                {%- endif %}
                where runs.status = 'succeeded' {{ extra_condition }}
                {%- if has_aliases %}
                    and (
                        champions.model_run_id is null
                        or coalesce(runs.source_model_run_id, runs.model_run_id) = champions.model_run_id
                    )
                {%- endif %}
                group by runs.task
            )
            select {{ table }}.*
            from scoring.{{ table }} as {{ table }}
            inner join latest_runs
                on {{ table }}.task = latest_runs.task
                and {{ table }}.model_run_id = latest_runs.model_run_id
            {%- endset -%}
            {%- do run_query(create_view) -%}
        {%- endif -%}
    {%- endfor %}
{% endmacro %}
