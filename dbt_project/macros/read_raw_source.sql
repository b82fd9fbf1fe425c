{#
    The relation a staging model selects from for a raw-file source.

    Calls source() so the lineage graph starts at the declared source, then resolves the file the runner
    found for it: run_var('raw_files')[<source name>][<file stem>] = {path, format}, where the stem comes
    from the source table's meta `file_stem`. With no entry, a required file is looked for as
    $DATA_DIR/<source name>/<stem>.csv and an optional one (meta `optional: true`) is read as an empty
    relation with the declared columns. Column names come from the source's yml, in file order; a CSV's field
    separator is the source table's meta `delimiter` (default ',').

    A file can have later days after it, as files of their own ($DATA_DIR/<source name>/days/YYYY-MM-DD/
    <stem>.csv, found by the runner): the entry's `days` lists them ({path, format} each), read after the
    file as one relation. `files` ([{path, format}, ...]) reads just those files instead (scoring refresh:
    the new days).
#}
{% macro read_raw_source(source_name, table_name, files=none) %}
    {%- set relation = source(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return(relation) }}
    {%- endif -%}

    {%- set node = graph.sources.values()
        | selectattr('source_name', 'equalto', source_name)
        | selectattr('name', 'equalto', table_name)
        | first -%}
    {%- set meta = node.config.meta if node.config.meta else node.meta -%}
    {%- set stem = meta.get('file_stem', table_name) -%}
    {%- set is_optional = meta.get('optional', false) -%}
    {%- set delimiter = meta.get('delimiter', ',') -%}
    {%- set columns = node.columns.keys() | list -%}
    {%- if columns | length == 0 -%}
        {{ exceptions.raise_compiler_error("Source " ~ source_name ~ "." ~ table_name ~ " declares no columns") }}
    {%- endif -%}

    {%- set found = run_var('raw_files', {}).get(source_name, {}).get(stem) -%}
    {%- if files is not none -%}
        {{ return(read_raw_files(files, columns, delimiter)) }}
    {%- elif found and found.get('days') -%}
        {{ return(read_raw_files([found] + found['days'], columns, delimiter)) }}
    {%- elif found -%}
        {{ return(read_raw_file(found['path'], found['format'], columns, delimiter)) }}
    {%- elif is_optional -%}
        {{ return(empty_raw_relation(columns)) }}
    {%- else -%}
        {%- set path = env_var('DATA_DIR', 'data/raw') ~ '/' ~ source_name ~ '/' ~ stem ~ '.csv' -%}
        {{ return(read_raw_file(path, 'csv', columns, delimiter)) }}
    {%- endif -%}
{% endmacro %}

{#- Several files of one source as one relation: each read on its own (formats may differ), then stacked. -#}
{% macro read_raw_files(files, columns, delimiter=',') %}
    {%- if files | length == 0 -%}
        {{ return(empty_raw_relation(columns)) }}
    {%- endif -%}
    {%- set reads = [] -%}
    {%- for file in files -%}
        {%- do reads.append('select * from ' ~ read_raw_file(file['path'], file['format'], columns, delimiter)) -%}
    {%- endfor -%}
    {{ return('(\n' ~ reads | join('\n    union all\n') ~ '\n)') }}
{% endmacro %}
