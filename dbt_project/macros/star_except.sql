{#-
    The columns of a relation as a select list, without the listed ones (a small dbt_utils.star): lets a wide
    model join feature families without repeating their key columns. Resolved at run time from the
    warehouse, so it follows the columns the families actually have.
-#}
{% macro star_except(relation, except=[], relation_alias=none) %}
    {%- if not execute -%}
        {{ return('*') }}
    {%- endif -%}
    {%- set prefix = relation_alias ~ '.' if relation_alias else '' -%}
    {%- set relation_columns = adapter.get_columns_in_relation(relation) -%}
    {#- Not built yet (compiling or linting against an empty warehouse): the columns are unknown, so fall back
        to all of them, which keeps the SQL parseable. A run always finds the relation built upstream. -#}
    {%- if not relation_columns -%}
        {{ return(prefix ~ '*') }}
    {%- endif -%}
    {%- set excluded = except | map('lower') | list -%}
    {%- set columns = [] -%}
    {%- for column in relation_columns -%}
        {%- if column.name | lower not in excluded -%}
            {%- do columns.append(prefix ~ adapter.quote(column.name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(columns | join(',\n        ')) }}
{% endmacro %}
