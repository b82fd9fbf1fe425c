-- One row per client: minutes on the site in each of the two months side by side.
with

stg_one_click__monthly_minutes as (

    select * from {{ ref('stg_one_click__monthly_minutes') }}

),

clients as (

    select client_id from {{ ref('stg_one_click__clients') }}

),

pivoted as (

    select
        client_id,
        max(case when months_ago = 0 then minutes_on_site end) as minutes_current_month,
        max(case when months_ago = 1 then minutes_on_site end) as minutes_previous_month
    from stg_one_click__monthly_minutes
    group by client_id

),

final as (

    select
        clients.client_id,
        cast(pivoted.minutes_current_month as integer) as minutes_current_month,
        cast(pivoted.minutes_previous_month as integer) as minutes_previous_month
    from clients
    left join pivoted
        on clients.client_id = pivoted.client_id

)

select * from final
