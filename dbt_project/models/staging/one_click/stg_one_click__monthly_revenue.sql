-- One row per client and month of market_money.csv; the misspelt period name is read as what it means.
with

source as (

    select * from {{ read_raw_source('one_click', 'market_money') }}

),

final as (

    select
        cast(trim(id) as bigint) as client_id,
        cast(
            case trim({{ adapter.quote('Период') }})
                when 'текущий_месяц' then 0
                when 'предыдущий_месяц' then 1
                when 'препредыдущий_месяц' then 2
                when 'предпредыдущий_месяц' then 2
            end as integer
        ) as months_ago,
        cast(trim({{ adapter.quote('Период') }}) as {{ dbt.type_string() }}) as source_period,
        cast(trim({{ adapter.quote('Выручка') }}) as decimal(18, 2)) as revenue
    from source

)

select * from final
