"""An honest client-level model on generated data lands where models on the real data land."""

import duckdb
import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from scoring.generate.apparel_write import generate_apparel
from scoring.model.metrics import expected_roc_auc

# A few recency, frequency, monetary and engagement features, as of the last day of the data.
FEATURES = """
with p as (select distinct * from read_csv('{d}/apparel-purchases.csv')),
pc as (
    select client_id,
        date_diff('day', max(date), date '2024-02-16') as recency,
        date_diff('day', min(date), date '2024-02-16') as tenure,
        count(distinct date) as n_days, count(*) as n_rows, sum(price) as revenue
    from p group by 1
),
mc as (
    select client_id,
        count(*) filter (event = 'send') as sends,
        count(*) filter (event = 'open') as opens,
        count(*) filter (event = 'click') as clicks,
        count(*) filter (event = 'click' and created_at > timestamp '2023-11-18') as clicks_90d,
        count(*) filter (event = 'purchase' and created_at > timestamp '2023-12-16') as purchases_60d,
        date_diff('day', max(created_at) filter (event = 'click'), timestamp '2024-02-16') as click_recency
    from read_csv('{d}/apparel-messages.csv') group by 1
)
select t.target, tr.probability, pc.* exclude (client_id), mc.* exclude (client_id)
from read_csv('{d}/apparel-target_binary.csv') as t
join read_csv('{d}/_truth/apparel-truth.csv') as tr using (client_id)
join pc using (client_id)
left join mc using (client_id)
"""


def test_expected_auc_weighs_every_pair_by_its_true_probabilities():
    p = np.array([0.1, 0.5, 0.9])
    # pairs (i pos, j neg) weighted p_i (1 - p_j), i != j, score order = p order; self-pairs tie.
    num = sum(p[i] * (1 - p[j]) * (1.0 if p[i] > p[j] else 0.5 if i == j else 0.0)
              for i in range(3) for j in range(3))  # fmt: skip
    den = sum(p) * sum(1 - p)
    assert expected_roc_auc(p, p) == pytest.approx(num / den)


@pytest.mark.slow
def test_an_honest_model_lands_near_public_results_and_below_the_truth(tmp_path):
    generate_apparel(tmp_path, scale=0.3, seed=11)
    df = duckdb.sql(FEATURES.format(d=tmp_path)).pl()
    y, p = df["target"].to_numpy(), df["probability"].to_numpy()
    x = df.drop("target", "probability").to_numpy().astype(float)
    model = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, max_leaf_nodes=15,
                                           min_samples_leaf=100, random_state=0)  # fmt: skip
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    score = cross_val_predict(model, x, y, cv=cv, method="predict_proba")[:, 1]
    model_auc, ceiling = expected_roc_auc(score, p), expected_roc_auc(p, p)
    assert 0.70 <= model_auc <= 0.82, model_auc
    assert ceiling >= model_auc + 0.08, (ceiling, model_auc)
    assert 0.62 <= roc_auc_score(y, score) <= 0.88  # realised, noisy with ~300 positives
