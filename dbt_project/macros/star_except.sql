{#-
    The columns of a relation as a select list, without the listed ones (a small dbt_utils.star): lets a wide
    model join feature families without repeating their key columns. Resolved at run time from the
    warehouse, so it follows the columns the families actually have.
-#}
{% macro star_except(relation, except=[], relation_alias=none) %}
    {%- if not execute -%}
        {{ return('*') }}
    {%- endif -%}
    {%- set excluded = except | map('lower') | list -%}
    {%- set columns = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- if column.name | lower not in excluded -%}
            {%- do columns.append((relation_alias ~ '.' if relation_alias else '') ~ adapter.quote(column.name)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(columns | join(',\n        ')) }}
{% endmacro %}
