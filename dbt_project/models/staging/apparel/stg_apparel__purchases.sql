-- One row per distinct purchased item line. Exact full-row copies are collapsed (rule and evidence in the
-- yml); source_row_count keeps how many raw rows each line had, so nothing is lost.
with

source as (

    select * from {{ read_raw_source('apparel', 'purchases') }}

),

deduplicated as (

    select
        client_id,
        quantity,
        price,
        category_ids,
        date,
        message_id,
        count(*) as source_row_count
    from source
    group by
        client_id,
        quantity,
        price,
        category_ids,
        date,
        message_id

),

parsed as (

    select
        {{ dbt.hash(dbt.concat([
            'client_id', "'|'", 'quantity', "'|'", 'price', "'|'", 'category_ids', "'|'", 'date', "'|'", 'message_id'
        ])) }} as purchase_line_id,
        cast(client_id as bigint) as client_id,
        cast(date as date) as purchase_date,
        cast(quantity as integer) as quantity,
        cast(price as decimal(18, 2)) as price,
        {{ parse_integer_list('category_ids') }} as category_ids,
        message_id,
        {{ try_cast_as(dbt.split_part('message_id', "'-'", 1), 'bigint') }} as message_client_id,
        {{ try_cast_as(dbt.split_part('message_id', "'-'", 2), 'integer') }} as bulk_campaign_id,
        {{ dbt.split_part('message_id', "'-'", 3) }} as message_uniqid,
        cast(source_row_count as integer) as source_row_count
    from deduplicated

),

final as (

    select
        cast(purchase_line_id as {{ dbt.type_string() }}) as purchase_line_id,
        client_id,
        purchase_date,
        quantity,
        price,
        cast(category_ids as {{ type_integer_array() }}) as category_ids,
        cast({{ array_element_at('category_ids', 1) }} as integer) as top_category_id,
        cast({{ array_element_at('category_ids', -1) }} as integer) as leaf_category_id,
        cast({{ array_size('category_ids') }} as integer) as category_depth,
        cast(message_id as {{ dbt.type_string() }}) as message_id,
        message_client_id,
        bulk_campaign_id,
        cast(
            {{ epoch_micros_to_timestamp(
                hex_to_bigint('substring(message_uniqid, 1, 8)') ~ ' * 1000000 + '
                ~ hex_to_bigint('substring(message_uniqid, 9, 5)')
            ) }} as {{ dbt.type_timestamp() }}
        ) as message_sent_at,
        cast(coalesce(message_client_id <> client_id, false) as boolean) as is_other_client_message,
        source_row_count
    from parsed

)

select * from final
