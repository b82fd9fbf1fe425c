-- One row per client of money.csv; the decimal comma ("0,98") becomes a decimal point.
with

source as (

    select * from {{ read_raw_source('one_click', 'money') }}

),

final as (

    select
        cast(trim(id) as bigint) as client_id,
        cast(
            replace(trim({{ adapter.quote('Прибыль') }}), ',', '.') as decimal(10, 2)
        ) as avg_monthly_profit_3m
    from source

)

select * from final
