"""Writes the simulated apparel shop in the exact formats of the real files, streaming as it goes.

Messages are written in created_at order a few weeks at a time, so memory stays bounded at any scale:
after day d is simulated, no later day can produce an event before midnight of d + 1.
"""

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from scoring.generate import calendar as cal
from scoring.generate.apparel_clients import ApparelParams, draw_clients
from scoring.generate.apparel_messages import CHANNELS, EVENTS, Events
from scoring.generate.apparel_orders import Orders
from scoring.generate.apparel_sim import ApparelSimulation
from scoring.generate.catalog import build_catalog

FILES = {
    "purchases": "apparel-purchases",
    "messages": "apparel-messages",
    "target": "apparel-target_binary",
}
TRUTH_DIR = "_truth"
FLUSH_EVERY_DAYS = 14
_HEX = np.frombuffer(b"0123456789abcdef", np.uint8)


class _Sink:
    """One output file, CSV or Parquet, written in chunks with one header."""

    def __init__(self, path: Path, fmt: str) -> None:
        self.path, self.fmt = path, fmt
        self._csv = open(path, "wb") if fmt == "csv" else None  # noqa: SIM115 (closed in close())
        self._pq: pq.ParquetWriter | None = None
        self.rows = 0

    def write(self, df: pl.DataFrame) -> None:
        if self.fmt == "csv":
            df.write_csv(self._csv, include_header=self.rows == 0, datetime_format="%Y-%m-%d %H:%M:%S")
        else:
            table = df.to_arrow()
            if self._pq is None:
                self._pq = pq.ParquetWriter(self.path, table.schema, compression="zstd")
            self._pq.write_table(table)
        self.rows += len(df)

    def close(self) -> None:
        if self._csv:
            self._csv.close()
        if self._pq:
            self._pq.close()


def uniqid(ts: np.ndarray, usec: np.ndarray) -> pl.Series:
    """PHP uniqid(): 8 hex digits of unix seconds then 5 of microseconds."""
    v = (ts.astype(np.uint64) << np.uint64(20)) | usec.astype(np.uint64)
    shifts = np.arange(12, -1, -1, dtype=np.uint64) * np.uint64(4)
    codes = _HEX[((v[:, None] >> shifts) & np.uint64(15)).astype(np.uint8)]
    return pl.Series(codes.view("S13").ravel()).cast(pl.String)


def _message_ids(client_id: np.ndarray, campaign: np.ndarray, hexes: pl.Series) -> pl.Expr:
    return pl.concat_str(
        [pl.lit(pl.Series(client_id)), pl.lit("-"), pl.lit(pl.Series(campaign)), pl.lit("-"),
         pl.lit(hexes)]
    )  # fmt: skip


def _messages_frame(sim: ApparelSimulation, ev: Events) -> pl.DataFrame:
    log, cid = sim.log, sim.c.client_id
    owner = cid[log.owner[ev.msg]]
    campaign = log.campaign[ev.msg]
    hexes = uniqid(log.ts[ev.msg], log.usec[ev.msg])
    created = pl.Series(ev.ts * 1_000_000).cast(pl.Datetime("us"))
    return pl.DataFrame({
        "bulk_campaign_id": campaign,
        "client_id": owner,
        "message_id": pl.select(_message_ids(owner, campaign, hexes)).to_series(),
        "event": pl.Series(np.array(EVENTS)[ev.event]),
        "channel": pl.Series(np.array(CHANNELS)[log.channel[ev.msg]]),
        "date": created.dt.date(),
        "created_at": created,
    })  # fmt: skip


def _purchases_frame(sim: ApparelSimulation, orders: list[Orders]) -> pl.DataFrame:
    log, cid = sim.log, sim.c.client_id
    msg = np.concatenate([o.msg for o in orders])
    days = np.concatenate([np.full(len(o.client), o.day) for o in orders])
    owner = cid[log.owner[msg]]
    hexes = uniqid(log.ts[msg], log.usec[msg])
    return pl.DataFrame({
        "client_id": cid[np.concatenate([o.client for o in orders])],
        "quantity": np.concatenate([o.quantity for o in orders]),
        "price": np.concatenate([o.price for o in orders]).astype(float),
        "category_ids": sim.catalog.paths[np.concatenate([o.path for o in orders])],
        "date": pl.Series(np.datetime64(cal.FIRST_DAY, "D") + days.astype("timedelta64[D]")),
        "message_id": pl.select(_message_ids(owner, log.campaign[msg], hexes)).to_series(),
    })  # fmt: skip


def generate_apparel(
    out_dir: Path, scale: float = 1.0, seed: int = 42, fmt: str = "csv",
    params: ApparelParams | None = None, on_day: Callable[[int], None] | None = None,
) -> dict[str, Path]:  # fmt: skip
    """Simulate the shop and write the three apparel files plus the truth; returns name -> path."""
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"format must be csv or parquet, not {fmt!r}")
    if scale <= 0:
        raise ValueError(f"scale must be positive, not {scale}")
    base = params or ApparelParams()
    p = replace(base, n_buyers=max(20, round(base.n_buyers * scale)),
                n_message_only=max(5, round(base.n_message_only * scale)))  # fmt: skip
    rng = np.random.default_rng(seed)
    catalog = build_catalog(rng)
    sim = ApparelSimulation(rng, draw_clients(rng, p), catalog, p, user_scale=scale)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {k: out_dir / f"{v}.{fmt}" for k, v in FILES.items()}
    _stream(sim, paths, fmt, on_day)
    prob = sim.true_probability()
    _write_target(sim, prob, rng, paths["target"], out_dir / TRUTH_DIR, fmt)
    return paths


def _stream(
    sim: ApparelSimulation, paths: dict[str, Path], fmt: str, on_day: Callable[[int], None] | None
) -> None:
    messages, purchases = _Sink(paths["messages"], fmt), _Sink(paths["purchases"], fmt)
    end_ts = cal.day_start_ts(cal.day_index(cal.LAST_MESSAGE_DAY) + 1)
    pending: list[Events] = []
    orders: list[Orders] = []
    try:
        for day in sim.run():
            pending.append(day.events)
            if len(day.orders.client):
                orders.append(day.orders)
            last = day.day == cal.N_DAYS - 1
            if day.day % FLUSH_EVERY_DAYS == 0 or last:
                cut = end_ts if last else min(end_ts, cal.day_start_ts(day.day + 1))
                ev = Events.concat(pending)
                order = np.argsort(ev.ts, kind="stable")
                ev = Events(ev.msg[order], ev.event[order], ev.ts[order])
                k = int(np.searchsorted(ev.ts, cut))
                if k:
                    messages.write(_messages_frame(sim, Events(ev.msg[:k], ev.event[:k], ev.ts[:k])))
                pending = [Events(ev.msg[k:], ev.event[k:], ev.ts[k:])] if not last else []
                if orders:
                    purchases.write(_purchases_frame(sim, orders))
                orders = []
            if on_day:
                on_day(day.day)
    finally:
        messages.close()
        purchases.close()


def _write_target(
    sim: ApparelSimulation, prob: np.ndarray, rng: np.random.Generator, target_path: Path,
    truth_dir: Path, fmt: str,
) -> None:  # fmt: skip
    """The provided target, drawn from the true probabilities, and the truth beside the data."""
    buyers = np.flatnonzero(sim.c.is_buyer)
    label = (rng.random(len(buyers)) < prob[buyers]).astype(np.int64)
    df = pl.DataFrame({"client_id": sim.c.client_id[buyers], "target": label}).sort("client_id")
    truth = pl.DataFrame({
        "client_id": sim.c.client_id[buyers],
        "probability": prob[buyers],
        "is_active": sim.s.alive[buyers].astype(np.int64),
        "target": label,
    }).sort("client_id")  # fmt: skip
    truth_dir.mkdir(exist_ok=True)
    for frame, path in ((df, target_path), (truth, truth_dir / f"apparel-truth.{fmt}")):
        sink = _Sink(path, fmt)
        sink.write(frame)
        sink.close()
