-- The relation the scoring job reads for apparel: every (client_id, as_of_date) of the feature table with its
-- label where one is known (label_source 'derived' or 'provided'; null at the latest cutoff for clients the
-- provided target does not cover). Train on labelled rows, score the latest cutoff.

-- On DuckDB a view: features and labels are tables already, so a view saves writing every column twice,
-- in a build and in a refresh, and is never stale. On Spark a table: the scoring job reads its Parquet files.
{{ config(materialized='view' if target.type == 'duckdb' else 'table') }}

with

features as (

    select * from {{ ref('apparel_features') }}

),

labels as (

    select * from {{ ref('apparel_labels') }}

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
