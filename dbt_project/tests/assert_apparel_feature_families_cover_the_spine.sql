-- Every feature family and the training set hold exactly the (client_id, as_of_date) rows of the spine: no
-- client is lost or invented by a family, so the wide join neither drops nor duplicates rows.
{%- set marts = [
    'apparel_features_purchases',
    'apparel_features_message_engagement',
    'apparel_features_subscriptions',
    'apparel_features_campaigns',
    'apparel_features_categories',
    'apparel_features',
    'apparel_training_set',
] %}

with

spine as (

    select * from {{ ref('int_apparel__clients_at_cutoffs') }}

),
{%- for mart in marts %}

{{ mart }} as (

    select * from {{ ref(mart) }}

),
{%- endfor %}

mismatches as (
    {%- for mart in marts %}

    select
        '{{ mart }}' as mart,
        coalesce(spine.client_id, {{ mart }}.client_id) as client_id,
        coalesce(spine.as_of_date, {{ mart }}.as_of_date) as as_of_date
    from spine
    full outer join {{ mart }}
        on spine.client_id = {{ mart }}.client_id
        and spine.as_of_date = {{ mart }}.as_of_date
    where spine.client_id is null or {{ mart }}.client_id is null
    {%- if not loop.last %}

    union all
    {%- endif %}
    {%- endfor %}

)

select * from mismatches
