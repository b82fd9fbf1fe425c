-- One row per (event_date, bulk_campaign_id); empty when the optional file is absent.
with

source as (

    select * from {{ read_raw_source('apparel', 'full_campaign_daily_event_channel') }}

),

final as (

    select
        cast(date as date) as event_date,
        cast(bulk_campaign_id as integer) as bulk_campaign_id,
        cast(count_click_email as bigint) as count_click_email,
        cast(count_click_mobile_push as bigint) as count_click_mobile_push,
        cast(count_open_email as bigint) as count_open_email,
        cast(count_open_mobile_push as bigint) as count_open_mobile_push,
        cast(count_purchase_email as bigint) as count_purchase_email,
        cast(count_purchase_mobile_push as bigint) as count_purchase_mobile_push,
        cast(count_soft_bounce_email as bigint) as count_soft_bounce_email,
        cast(count_subscribe_email as bigint) as count_subscribe_email,
        cast(count_unsubscribe_email as bigint) as count_unsubscribe_email,
        cast(count_hard_bounce_mobile_push as bigint) as count_hard_bounce_mobile_push,
        cast(count_send_mobile_push as bigint) as count_send_mobile_push,
        cast(count_hard_bounce_email as bigint) as count_hard_bounce_email,
        cast(count_hbq_spam_email as bigint) as count_hbq_spam_email,
        cast(count_send_email as bigint) as count_send_email,
        cast(count_soft_bounce_mobile_push as bigint) as count_soft_bounce_mobile_push,
        cast(count_complain_email as bigint) as count_complain_email,
        cast(count_close_mobile_push as bigint) as count_close_mobile_push,
        cast(nunique_click_email as bigint) as nunique_click_email,
        cast(nunique_click_mobile_push as bigint) as nunique_click_mobile_push,
        cast(nunique_open_email as bigint) as nunique_open_email,
        cast(nunique_open_mobile_push as bigint) as nunique_open_mobile_push,
        cast(nunique_purchase_email as bigint) as nunique_purchase_email,
        cast(nunique_purchase_mobile_push as bigint) as nunique_purchase_mobile_push,
        cast(nunique_soft_bounce_email as bigint) as nunique_soft_bounce_email,
        cast(nunique_subscribe_email as bigint) as nunique_subscribe_email,
        cast(nunique_unsubscribe_email as bigint) as nunique_unsubscribe_email,
        cast(nunique_hard_bounce_mobile_push as bigint) as nunique_hard_bounce_mobile_push,
        cast(nunique_send_mobile_push as bigint) as nunique_send_mobile_push,
        cast(nunique_hard_bounce_email as bigint) as nunique_hard_bounce_email,
        cast(nunique_hbq_spam_email as bigint) as nunique_hbq_spam_email,
        cast(nunique_send_email as bigint) as nunique_send_email,
        cast(nunique_soft_bounce_mobile_push as bigint) as nunique_soft_bounce_mobile_push,
        cast(nunique_complain_email as bigint) as nunique_complain_email,
        cast(nunique_close_mobile_push as bigint) as nunique_close_mobile_push
    from source

)

select * from final
