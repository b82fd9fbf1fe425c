{#- The combination of the given columns is unique over the model (a small dbt_utils test). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    with counted as (
        select
            {{ combination_of_columns | join(', ') }},
            count(*) as row_count
        from {{ model }}
        group by {{ combination_of_columns | join(', ') }}
    )

    select * from counted
    where row_count > 1
{% endtest %}
