{#-
    A value that changes from run to run: the raw files found, the cutoff, a refresh's dates and files. The
    runner (scoring/features.py: run_dbt) passes them as JSON in the environment variable SCORING_RUN_VARS,
    read here at execution only, not as --vars: dbt re-parses the whole project (3-5 s) whenever --vars
    change, and these change every run, while a parse that does not depend on them is reused (partial
    parsing), by a refresh after a build in particular. Falls back to var(name): the project default, or
    --vars when dbt is run by hand.
-#}
{% macro run_var(name, default=none) %}
    {%- if execute -%}
        {%- set run_vars = fromjson(env_var('SCORING_RUN_VARS', '{}')) -%}
        {%- if name in run_vars -%}
            {{ return(run_vars[name]) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(var(name, default)) }}
{% endmacro %}
