{#-
    The distinct message events of a raw messages relation, as two CTEs (`typed`, then `deduplicated`): the
    rule of stg_apparel__messages, shared with the incremental int_apparel__messages_deduplicated,
    which reads the new days' files with it (scoring refresh). `source_cte` names the CTE of raw rows.
-#}
{% macro deduplicated_apparel_messages_ctes(source_cte) %}
typed as (

    select
        cast(client_id as bigint) as client_id,
        cast(bulk_campaign_id as integer) as bulk_campaign_id,
        message_id,
        event,
        channel,
        cast(date as date) as event_date,
        cast(created_at as {{ dbt.type_timestamp() }}) as created_at,
        created_at as created_at_text
    from {{ source_cte }}

),

-- Exact copies (same message, event and second) are logging artifacts: collapse them. A message id fixes
-- the client, campaign and channel, so grouping by (client, message, event, second) collapses exactly the
-- full-row copies. The group key is the client and one 64-bit hash of (message id, event, second): two
-- integer keys instead of a 39-character string, an event name and a timestamp cut the deduplication's cost
-- by about a third. The second is hashed as the file writes it (the input checks hold it to one format,
-- YYYY-MM-DD HH:MM:SS), so a query that does not read created_at never parses it. A collision needs two
-- events of one client whose (message, event, second) hash alike: odds of about 1e-10 over the 12.7M rows.
-- The columns a copy repeats anyway (campaign, event, channel, day) are group keys rather than any_value()
-- aggregates: the same groups, and a key-only hash table is about a tenth cheaper than one carrying four
-- aggregate states per group. The message id and the time are any_value(), so a reader that does not select
-- them (the messages aggregation) does not carry them through the deduplication at all.
deduplicated as (

    select
        client_id,
        bulk_campaign_id,
        {{ dbt.any_value('message_id') }} as message_id,
        event,
        channel,
        event_date,
        {{ dbt.any_value('created_at') }} as created_at,
        -- the raw rows each event had: the source's duplicate share (scoring.data_health)
        count(*) as source_row_count
    from typed
    group by
        client_id,
        {{ hash64('message_id, event, created_at_text') }},
        bulk_campaign_id,
        event,
        channel,
        event_date

)
{%- endmacro %}
