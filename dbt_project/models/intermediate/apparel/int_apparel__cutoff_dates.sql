-- One row per cutoff: the latest one (as_of_date) and the past cutoffs of the training spine, with the first
-- day of every feature window before each cutoff.
{%- set horizon = var('label_horizon_days') | int -%}
{%- set step = var('training_cutoff_step_days') | int -%}
{%- set past_cutoff_count = var('training_cutoff_count') | int -%}
{#- The cutoff the provided target file belongs to: the var, else the last day of the data. -#}
{%- set provided_target_as_of_date = run_var('provided_target_as_of_date') -%}
{%- if provided_target_as_of_date -%}
{%- set provided_target_cutoff = "cast('" ~ provided_target_as_of_date ~ "' as date)" -%}
{%- else -%}
{%- set provided_target_cutoff = 'last_data_date' -%}
{%- endif %}
{{ config(**latest_cutoff_incremental_config()) }}

with

purchases as (

    select * from {{ ref('stg_apparel__purchases') }}

),

data_bounds as (

    select max(purchase_date) as last_data_date
    from purchases

),

latest_cutoff as (

    select
        {% if run_var('as_of_date') -%}
        cast('{{ run_var('as_of_date') }}' as date) as as_of_date,
        {%- else -%}
        last_data_date as as_of_date,
        {%- endif %}
        last_data_date
    from data_bounds

),

cutoffs as (

    select
        0 as cutoff_index,
        as_of_date,
        as_of_date as latest_as_of_date,
        last_data_date
    from latest_cutoff
    {#- a refresh moves the latest cutoff only (macros/latest_cutoff.sql) #}
    {%- for index in range(1, past_cutoff_count + 1 if not is_incremental() else 1) %}

    union all

    select
        {{ index }} as cutoff_index,
        {{ add_days('as_of_date', -(horizon + (index - 1) * step)) }} as as_of_date,
        as_of_date as latest_as_of_date,
        last_data_date
    from latest_cutoff
    {%- endfor %}

),

final as (

    select
        cast(as_of_date as date) as as_of_date,
        cast(cutoff_index as integer) as cutoff_index,
        cast(cutoff_index = 0 as boolean) as is_latest_cutoff,
        cast(last_data_date as date) as last_data_date,
        {{ add_days('as_of_date', horizon) }} as label_window_end_date,
        -- A label is known only once its window has closed by the latest cutoff (and within the data): a
        -- build as of a past date learns nothing from the days after it, though the files hold them.
        cast(
            {{ add_days('as_of_date', horizon) }} <= latest_as_of_date
            and {{ add_days('as_of_date', horizon) }} <= last_data_date as boolean
        ) as has_observed_label_window,
        cast(
            as_of_date = {{ provided_target_cutoff }} as boolean
        ) as is_provided_target_cutoff,
        {%- for days in window_offsets_days() %}
        {{ add_days('as_of_date', -(days - 1)) }} as {{ window_start_column(days) }}
        {%- if not loop.last %},{% endif %}{% endfor %}
    from cutoffs

)

select * from final
