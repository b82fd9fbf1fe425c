-- One row per day from the start of the longest window before the oldest cutoff to the latest cutoff,
-- mapped to its segment: the timeline cut at every window start (and the day after every cutoff). No
-- segment straddles a window edge, so any window before any cutoff is a union of whole segments, and events
-- can be summed per segment once instead of once per cutoff and window.
{%- set offsets = window_offsets_days() -%}
{%- set span_days = offsets | max + var('label_horizon_days') | int
    + (var('training_cutoff_count') | int) * (var('training_cutoff_step_days') | int) + 2 %}

with

cutoff_dates as (

    select * from {{ ref('int_apparel__cutoff_dates') }}

),

day_numbers as (

    {{ dbt.generate_series(span_days) }}

),

calendar_bounds as (

    select
        min({{ window_start_column(offsets | max) }}) as first_calendar_date,
        max(as_of_date) as last_calendar_date
    from cutoff_dates

),

calendar_dates as (

    select
        {{ add_days('calendar_bounds.first_calendar_date', 'day_numbers.generated_number - 1') }}
            as calendar_date
    from day_numbers
    cross join calendar_bounds
    where
        {{ add_days('calendar_bounds.first_calendar_date', 'day_numbers.generated_number - 1') }}
        <= calendar_bounds.last_calendar_date

),

segment_boundaries as (

    select {{ add_days('as_of_date', 1) }} as boundary_date
    from cutoff_dates
    {%- for days in offsets %}

    union

    select {{ window_start_column(days) }} as boundary_date
    from cutoff_dates
    {%- endfor %}

),

final as (

    select
        cast(calendar_dates.calendar_date as date) as calendar_date,
        cast(max(segment_boundaries.boundary_date) as date) as segment_start_date
    from calendar_dates
    inner join segment_boundaries
        on calendar_dates.calendar_date >= segment_boundaries.boundary_date
    group by calendar_dates.calendar_date

)

select * from final
