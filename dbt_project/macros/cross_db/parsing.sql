{#- Parsing helpers whose syntax differs between engines. -#}

{#- A hexadecimal string to a bigint; null when it is not valid hex. -#}
{% macro hex_to_bigint(expression) %}
    {{ return(adapter.dispatch('hex_to_bigint')(expression)) }}
{% endmacro %}

{% macro duckdb__hex_to_bigint(expression) -%}
    try_cast('0x' || {{ expression }} as bigint)
{%- endmacro %}

{#- conv() reads up to the first non-hex character instead of failing: only whole hex strings convert. -#}
{% macro spark__hex_to_bigint(expression) -%}
    case when {{ expression }} rlike '^[0-9a-fA-F]+$' then cast(conv({{ expression }}, 16, 10) as bigint) end
{%- endmacro %}


{#- Microseconds since 1970-01-01 00:00:00 UTC to a timestamp without time zone. -#}
{% macro epoch_micros_to_timestamp(expression) %}
    {{ return(adapter.dispatch('epoch_micros_to_timestamp')(expression)) }}
{% endmacro %}

{% macro duckdb__epoch_micros_to_timestamp(expression) -%}
    make_timestamp({{ expression }})
{%- endmacro %}

{% macro spark__epoch_micros_to_timestamp(expression) -%}
    timestamp_micros({{ expression }})
{%- endmacro %}


{#- A cast that yields null instead of failing. -#}
{% macro try_cast_as(expression, data_type) %}
    {{ return(adapter.dispatch('try_cast_as')(expression, data_type)) }}
{% endmacro %}

{% macro duckdb__try_cast_as(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}

{% macro spark__try_cast_as(expression, data_type) -%}
    try_cast({{ expression }} as {{ data_type }})
{%- endmacro %}


{#-
    A Python list repr of integer ids ("['4', '28', '57', '431']", "[]", "[None]") to an array of integers.
    Only digit runs are kept, so "[]" and "[None]" both become an empty array.
-#}
{% macro parse_integer_list(expression) %}
    {{ return(adapter.dispatch('parse_integer_list')(expression)) }}
{% endmacro %}

{% macro duckdb__parse_integer_list(expression) -%}
    cast(regexp_extract_all({{ expression }}, '[0-9]+') as integer[])
{%- endmacro %}

{% macro spark__parse_integer_list(expression) -%}
    transform(regexp_extract_all({{ expression }}, '([0-9]+)', 1), x -> cast(x as int))
{%- endmacro %}


{#- The element at a 1-based position of an array (negative counts from the end); null when out of range. -#}
{% macro array_element_at(array_expression, position) %}
    {{ return(adapter.dispatch('array_element_at')(array_expression, position)) }}
{% endmacro %}

{% macro duckdb__array_element_at(array_expression, position) -%}
    ({{ array_expression }})[{{ position }}]
{%- endmacro %}

{% macro spark__array_element_at(array_expression, position) -%}
    try_element_at({{ array_expression }}, {{ position }})
{%- endmacro %}


{#- The number of elements of an array. -#}
{% macro array_size(array_expression) %}
    {{ return(adapter.dispatch('array_size')(array_expression)) }}
{% endmacro %}

{% macro duckdb__array_size(array_expression) -%}
    len({{ array_expression }})
{%- endmacro %}

{% macro spark__array_size(array_expression) -%}
    size({{ array_expression }})
{%- endmacro %}


{#- The SQL type of an array of integers. -#}
{% macro type_integer_array() %}
    {{ return(adapter.dispatch('type_integer_array')()) }}
{% endmacro %}

{% macro duckdb__type_integer_array() -%}
    integer[]
{%- endmacro %}

{% macro spark__type_integer_array() -%}
    array<int>
{%- endmacro %}


{#-
    The keyword that makes a CTE computed once and reused (duckdb `materialized`); empty on engines that
    always or never do so. Used where a CTE over a large scan is read more than once.
-#}
{% macro cte_materialized() %}
    {{ return(adapter.dispatch('cte_materialized')()) }}
{% endmacro %}

{% macro default__cte_materialized() -%}
{%- endmacro %}

{% macro duckdb__cte_materialized() -%}
    materialized
{%- endmacro %}


{#- A 64-bit hash of one or more comma-separated expressions, for grouping on long keys cheaply. -#}
{% macro hash64(expression) %}
    {{ return(adapter.dispatch('hash64')(expression)) }}
{% endmacro %}

{% macro duckdb__hash64(expression) -%}
    hash({{ expression }})
{%- endmacro %}

{% macro spark__hash64(expression) -%}
    xxhash64({{ expression }})
{%- endmacro %}


{#-
    dbt-spark's split_part indexes the array of split() directly, which fails under ANSI mode (Spark 4's
    default) when the string has fewer parts. Spark's own split_part, like DuckDB's, returns '' then, and its
    delimiter is a plain string, not a regular expression.
-#}
{% macro spark__split_part(string_text, delimiter_text, part_number) -%}
    split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }})
{%- endmacro %}
