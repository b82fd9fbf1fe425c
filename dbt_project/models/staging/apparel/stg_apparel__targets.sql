with

source as (

    select * from {{ read_raw_source('apparel', 'target_binary') }}

),

final as (

    select
        cast(client_id as bigint) as client_id,
        cast(cast(target as integer) = 1 as boolean) as has_purchase_in_target_window
    from source

)

select * from final
