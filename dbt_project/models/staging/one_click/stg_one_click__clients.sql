-- One row per client of market_file.csv: English names, typed, typos fixed (rules in the yml).
with

source as (

    select * from {{ read_raw_source('one_click', 'market_file') }}

),

renamed as (

    select
        trim(id) as client_id,
        nullif(trim({{ adapter.quote('Покупательская активность') }}), '') as activity_status,
        trim({{ adapter.quote('Тип сервиса') }}) as service_type,
        trim({{ adapter.quote('Разрешить сообщать') }}) as allows_offers,
        trim({{ adapter.quote('Маркет_актив_6_мес') }}) as avg_marketing_contacts_6m,
        trim({{ adapter.quote('Маркет_актив_тек_мес') }}) as count_marketing_contacts_current_month,
        trim({{ adapter.quote('Длительность') }}) as days_since_registration,
        trim({{ adapter.quote('Акционные_покупки') }}) as share_promo_purchases_6m,
        trim({{ adapter.quote('Популярная_категория') }}) as top_category,
        trim({{ adapter.quote('Средний_просмотр_категорий_за_визит') }}) as avg_categories_per_visit,
        trim({{ adapter.quote('Неоплаченные_продукты_штук_квартал') }}) as count_unpaid_items_3m,
        trim({{ adapter.quote('Ошибка_сервиса') }}) as count_service_errors,
        trim({{ adapter.quote('Страниц_за_визит') }}) as avg_pages_per_visit_3m
    from source

),

final as (

    select
        cast(client_id as bigint) as client_id,
        cast(activity_status as {{ dbt.type_string() }}) as activity_status,
        cast(
            case activity_status
                when 'Снизилась' then true
                when 'Прежний уровень' then false
            end as boolean
        ) as is_activity_declined,
        cast(
            case when service_type = 'стандартт' then 'стандарт' else service_type end
            as {{ dbt.type_string() }}
        ) as service_type,
        cast(
            case allows_offers when 'да' then true when 'нет' then false end as boolean
        ) as is_offers_allowed,
        cast(avg_marketing_contacts_6m as double) as avg_marketing_contacts_6m,
        cast(count_marketing_contacts_current_month as integer) as count_marketing_contacts_current_month,
        cast(days_since_registration as integer) as days_since_registration,
        cast(share_promo_purchases_6m as double) as share_promo_purchases_6m,
        cast(
            replace(top_category, 'аксесуары', 'аксессуары') as {{ dbt.type_string() }}
        ) as top_category,
        cast(avg_categories_per_visit as integer) as avg_categories_per_visit,
        cast(count_unpaid_items_3m as integer) as count_unpaid_items_3m,
        cast(count_service_errors as integer) as count_service_errors,
        cast(avg_pages_per_visit_3m as integer) as avg_pages_per_visit_3m
    from renamed

)

select * from final
