"""A cap on the labelled rows a task trains on: when the training mart holds more, whole clients are sampled,
the same ones for the same seed, and only their rows are read (scoring.store.warehouse.read_task_frames).

Memory and time of the training stages grow with the labelled rows, while a model's quality has levelled
off long before (scoring/tasks.py, Task.max_training_rows, says where it was measured). Whole clients keep
the client-level splits honest: every cutoff of a sampled client is in, every cutoff of the others out.
The order of the clients is a hash of client_id and the seed defined here in plain integer arithmetic, so
the sample depends on the data and the seed only, never on a library's hash function or version.
"""

from dataclasses import dataclass

import numpy as np
import polars as pl

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX_1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX_2 = np.uint64(0x94D049BB133111EB)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser: a bijection of uint64 that scatters neighbouring ids (arrays wrap silently)."""
    x = x + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * _MIX_1
    x = (x ^ (x >> np.uint64(27))) * _MIX_2
    return x ^ (x >> np.uint64(31))


def client_hash(client_ids: np.ndarray, seed: int) -> np.ndarray:
    """A uint64 per client that orders the clients at random for `seed`, the same on every machine."""
    salt = _splitmix64(np.array([seed], dtype=np.int64).view(np.uint64))
    return _splitmix64(np.asarray(client_ids, dtype=np.int64).view(np.uint64) ^ salt)


@dataclass(frozen=True)
class TrainingSample:
    """Which clients' labelled rows a task trains on, and how many of how many."""

    clients: pl.Series | None  # the sampled client ids, sorted; None: every labelled client (no cap hit)
    labelled_clients: pl.Series  # every client with a labelled row in the mart, sampled or not, sorted
    rows_used: int
    rows_total: int
    max_rows: int | None

    @property
    def is_sampled(self) -> bool:
        return self.clients is not None

    def as_dict(self) -> dict:
        """For the run's metrics: rows and clients used, of the mart's labelled ones, and the cap."""
        clients_used = len(self.clients) if self.is_sampled else len(self.labelled_clients)
        return {
            "rows_used": self.rows_used,
            "rows_total": self.rows_total,
            "clients_used": clients_used,
            "clients_total": len(self.labelled_clients),
            "max_training_rows": self.max_rows,
        }

    def note(self) -> str:
        """One sentence for the report and the terminal."""
        d = self.as_dict()
        return (
            f"trained and validated on {d['rows_used']:,} of the {d['rows_total']:,} labelled rows "
            f"({d['clients_used']:,} of {d['clients_total']:,} clients, sampled whole by a hash of client_id "
            f"and the seed): the task's max_training_rows is {self.max_rows:,} (scoring/tasks.py)"
        )


def sample_clients(rows_per_client: pl.DataFrame, max_rows: int | None, seed: int) -> TrainingSample:
    """The clients to train on, from (client_id, n_rows) of the labelled rows: all of them when their rows
    fit in `max_rows` (or it is None); else whole clients in hash order while their rows fit."""
    counts = rows_per_client.sort("client_id")
    total = int(counts["n_rows"].sum())
    labelled = counts["client_id"]
    if max_rows is None or total <= max_rows:
        return TrainingSample(None, labelled, total, total, max_rows)
    ordered = counts.with_columns(order=pl.Series(client_hash(labelled.to_numpy(), seed))).sort(
        "order", "client_id"
    )
    kept = ordered.filter(pl.col("n_rows").cum_sum() <= max_rows)
    return TrainingSample(kept["client_id"].sort(), labelled, int(kept["n_rows"].sum()), total, max_rows)
