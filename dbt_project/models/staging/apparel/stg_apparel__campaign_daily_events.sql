-- One row per (event_date, bulk_campaign_id); empty when the optional file is absent.
with

source as (

    select * from {{ read_raw_source('apparel', 'full_campaign_daily_event') }}

),

final as (

    select
        cast(date as date) as event_date,
        cast(bulk_campaign_id as integer) as bulk_campaign_id,
        cast(count_click as bigint) as count_click,
        cast(count_complain as bigint) as count_complain,
        cast(count_hard_bounce as bigint) as count_hard_bounce,
        cast(count_open as bigint) as count_open,
        cast(count_purchase as bigint) as count_purchase,
        cast(count_send as bigint) as count_send,
        cast(count_soft_bounce as bigint) as count_soft_bounce,
        cast(count_subscribe as bigint) as count_subscribe,
        cast(count_unsubscribe as bigint) as count_unsubscribe,
        cast(count_hbq_spam as bigint) as count_hbq_spam,
        cast(count_close as bigint) as count_close,
        cast(nunique_click as bigint) as nunique_click,
        cast(nunique_complain as bigint) as nunique_complain,
        cast(nunique_hard_bounce as bigint) as nunique_hard_bounce,
        cast(nunique_open as bigint) as nunique_open,
        cast(nunique_purchase as bigint) as nunique_purchase,
        cast(nunique_send as bigint) as nunique_send,
        cast(nunique_soft_bounce as bigint) as nunique_soft_bounce,
        cast(nunique_subscribe as bigint) as nunique_subscribe,
        cast(nunique_unsubscribe as bigint) as nunique_unsubscribe,
        cast(nunique_hbq_spam as bigint) as nunique_hbq_spam,
        cast(nunique_close as bigint) as nunique_close
    from source

)

select * from final
