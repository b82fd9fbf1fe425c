{#- Every row satisfies a boolean SQL expression (a small dbt_utils test). -#}
{% test expression_is_true(model, expression) %}
    select *
    from {{ model }}
    where not ({{ expression }})
{% endtest %}
