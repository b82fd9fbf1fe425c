-- One row per (client_id, event_date, bulk_campaign_id, event, channel): how many distinct message events of
-- that kind the client had that day. The only reader of stg_apparel__messages (the 1.4 GB file is scanned
-- once here, in a full build). Incremental: a refresh (scoring refresh) appends the new days only, read from
-- their own files (var refresh_message_files) with the staging rule of stg_apparel__messages; the runner
-- refuses a new file with rows dated on or before the last loaded day, so appending never double counts.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
) }}

with

{% if is_incremental() -%}
source as (

    select * from {{ read_raw_source('apparel', 'messages', files=run_var('refresh_message_files')) }}

),

{{ deduplicated_apparel_messages_ctes('source') }},

messages as (

    select * from deduplicated

),
{%- else -%}
messages as (

    select * from {{ ref('stg_apparel__messages') }}

),
{%- endif %}

final as (

    select
        cast(client_id as bigint) as client_id,
        cast(event_date as date) as event_date,
        cast(bulk_campaign_id as integer) as bulk_campaign_id,
        cast(event as {{ dbt.type_string() }}) as event,
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(count(*) as integer) as count_events
    from messages
    group by
        client_id,
        event_date,
        bulk_campaign_id,
        event,
        channel

)

select * from final
