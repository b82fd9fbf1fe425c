-- The features with the label: 1 = activity declined, 0 = kept its level, null = unknown (to be scored).
with

one_click_features as (

    select * from {{ ref('one_click_features') }}

),

stg_one_click__clients as (

    select * from {{ ref('stg_one_click__clients') }}

),

final as (

    select
        one_click_features.*,
        cast(
            case
                when clients.is_activity_declined then 1
                when not clients.is_activity_declined then 0
            end as integer
        ) as label
    from one_click_features
    inner join stg_one_click__clients as clients
        on one_click_features.client_id = clients.client_id

)

select * from final
