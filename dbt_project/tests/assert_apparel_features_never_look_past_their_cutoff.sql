-- Point in time: no recency or tenure feature is negative, i.e. no feature saw an event after its cutoff.
{%- set relation = ref('apparel_features') -%}
{%- set columns = [] -%}
{%- if execute -%}
    {%- for column in adapter.get_columns_in_relation(relation) -%}
        {%- if column.name.startswith('days_since_') -%}{%- do columns.append(column.name) -%}{%- endif -%}
    {%- endfor -%}
{%- endif %}

with

features as (

    select * from {{ relation }}

),

violations as (

    select
        client_id,
        as_of_date
    from features
    where
        {%- for column in columns %}
        {{ column }} < 0{{ " or" if not loop.last }}
        {%- else %}
        false
        {%- endfor %}

)

select * from violations
