{#
    Engine-specific file access. Every raw column is read as text; staging casts it, so a bad value fails in
    one documented place (or becomes null where staging allows it) instead of inside a file reader.
#}

{#- `delimiter` is the CSV field separator: ',' for most files, ';' for the one-click money.csv. -#}
{% macro read_raw_file(path, file_format, columns, delimiter=',') %}
    {{ return(adapter.dispatch('read_raw_file')(path, file_format, columns, delimiter)) }}
{% endmacro %}

{% macro default__read_raw_file(path, file_format, columns, delimiter=',') %}
    {{ exceptions.raise_compiler_error(
        "read_raw_file has no implementation for adapter '" ~ adapter.type() ~ "': add "
        ~ adapter.type() ~ "__read_raw_file in macros/cross_db/read_raw_file.sql"
    ) }}
{% endmacro %}

{% macro duckdb__read_raw_file(path, file_format, columns, delimiter=',') %}
    {%- if file_format in ('csv', 'csv.gz') -%}
    {#- Every read option is given, so DuckDB's sniffer decides nothing about the file; it runs (auto_detect is
        left on) because its sample is what the planner's row estimate comes from. Without it the estimate is
        42 rows whatever the size, and the planner builds its hash joins on the 12.7M message rows instead of
        on the 365-day calendar or the few thousand campaigns (about 1 s of the build at scale 1). -#}
    read_csv(
        '{{ path }}',
        header = true,
        skip = 0,
        delim = '{{ delimiter }}',
        quote = '"',
        escape = '"',
        compression = '{{ "gzip" if file_format == "csv.gz" else "none" }}',
        columns = {
            {%- for column in columns %}
            '{{ column }}': 'VARCHAR'{{ "," if not loop.last }}
            {%- endfor %}
        }
    )
    {%- elif file_format == 'parquet' -%}
    (
        select
            {%- for column in columns %}
            cast({{ adapter.quote(column) }} as varchar) as {{ adapter.quote(column) }}{{ "," if not loop.last }}
            {%- endfor %}
        from read_parquet('{{ path }}')
    )
    {%- else -%}
    {{ exceptions.raise_compiler_error(
        "Unsupported raw file format '" ~ file_format ~ "' for " ~ path ~ ": use csv, csv.gz or parquet"
    ) }}
    {%- endif -%}
{% endmacro %}


{#-
    Spark has no table function that reads a CSV with options, so each file becomes an external table over the
    file itself (a catalog entry, no copy) in the schema <target schema>_raw, named after a hash of the path and
    the read options, recreated on every run so it always describes the file as it is now. A permanent table
    rather than a temporary view: a permanent view (stg_apparel__messages) cannot select from a temporary one,
    and on a cluster (thrift) every connection has its own temporary views. The CSV's columns are taken by
    position (c1, c2, ...: the header line is skipped, never matched) and renamed to the declared names in the
    select, so headers with spaces or Cyrillic letters never reach the catalog.
-#}
{% macro spark__read_raw_file(path, file_format, columns, delimiter=',') %}
    {%- if file_format not in ('csv', 'csv.gz', 'parquet') -%}
    {{ exceptions.raise_compiler_error(
        "Unsupported raw file format '" ~ file_format ~ "' for " ~ path ~ ": use csv, csv.gz or parquet"
    ) }}
    {%- endif -%}
    {%- set is_csv = file_format in ('csv', 'csv.gz') -%}
    {%- set schema = target.schema ~ '_raw' -%}
    {%- set table = schema ~ '.file_' ~ local_md5(
        path ~ '|' ~ file_format ~ '|' ~ delimiter ~ '|' ~ columns | join('|')
    ) -%}
    {%- if execute -%}
        {%- do run_query('create schema if not exists ' ~ schema) -%}
        {%- do run_query('drop table if exists ' ~ table) -%}
        {%- if is_csv -%}
            {%- set create_table -%}
            create table {{ table }} (
                {%- for column in columns %}
                c{{ loop.index }} string{{ "," if not loop.last }}
                {%- endfor %}
            )
            using csv
            options (
                path '{{ path }}',
                header 'true',
                sep '{{ delimiter }}',
                quote '"',
                escape '"',
                mode 'FAILFAST'
            )
            {%- endset -%}
        {%- else -%}
            {%- set create_table -%}
            create table {{ table }} using parquet options (path '{{ path }}')
            {%- endset -%}
        {%- endif -%}
        {%- do run_query(create_table) -%}
    {%- endif -%}
    (
        select
            {%- for column in columns %}
            cast({{ 'c' ~ loop.index if is_csv else adapter.quote(column) }} as string)
                as {{ adapter.quote(column) }}{{ "," if not loop.last }}
            {%- endfor %}
        from {{ table }}
    )
{% endmacro %}


{#- A typed, empty relation with the given text columns: stands in for an optional file that is absent. -#}
{% macro empty_raw_relation(columns) %}
    {{ return(adapter.dispatch('empty_raw_relation')(columns)) }}
{% endmacro %}

{% macro default__empty_raw_relation(columns) %}
    (
        select
            {%- for column in columns %}
            cast(null as {{ dbt.type_string() }}) as {{ adapter.quote(column) }}{{ "," if not loop.last }}
            {%- endfor %}
        where 1 = 0
    )
{% endmacro %}
