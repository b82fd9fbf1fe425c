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
    read_csv(
        '{{ path }}',
        header = true,
        auto_detect = false,
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
