-- One row per distinct message event. A view on purpose: materializing 12.7M rows costs more than the rest
-- of the build, so the file is read exactly once, by int_apparel__messages_deduplicated.
{{ config(materialized='view') }}

with

source as (

    select * from {{ read_raw_source('apparel', 'messages') }}

),

-- typed and deduplicated: exact copies (same message, event and second) collapsed, the rule in the macro.
{{ deduplicated_apparel_messages_ctes('source') }},

final as (

    select
        client_id,
        bulk_campaign_id,
        cast(message_id as {{ dbt.type_string() }}) as message_id,
        cast(
            {{ epoch_micros_to_timestamp(
                hex_to_bigint("substring(" ~ dbt.split_part('message_id', "'-'", 3) ~ ", 1, 8)") ~ ' * 1000000 + '
                ~ hex_to_bigint("substring(" ~ dbt.split_part('message_id', "'-'", 3) ~ ", 9, 5)")
            ) }} as {{ dbt.type_timestamp() }}
        ) as message_sent_at,
        cast(event as {{ dbt.type_string() }}) as event,
        cast(channel as {{ dbt.type_string() }}) as channel,
        event_date,
        created_at,
        cast(source_row_count as integer) as source_row_count
    from deduplicated

)

select * from final
