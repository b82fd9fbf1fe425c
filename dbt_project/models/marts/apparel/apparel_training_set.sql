-- The relation the scoring job reads for apparel: every (client_id, as_of_date) of the feature table with its
-- label where one is known (label_source 'derived' or 'provided'; null at the latest cutoff for clients the
-- provided target does not cover). Train on labelled rows, score the latest cutoff.

{{ config(**latest_cutoff_incremental_config()) }}

with

features as (

    select * from {{ ref('apparel_features') }}
    {{ only_latest_cutoff_on_refresh() }}

),

labels as (

    select * from {{ ref('apparel_labels') }}
    {{ only_latest_cutoff_on_refresh() }}

),

final as (

    select
        features.*,
        labels.label,
        labels.label_source
    from features
    left join labels
        on features.client_id = labels.client_id
        and features.as_of_date = labels.as_of_date

)

select * from final
