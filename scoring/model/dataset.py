"""From a mart frame to what estimators take: feature columns, labels, keys, and a data fingerprint.

Polars in, Polars out: numeric and boolean features become Float32 (null -> NaN at the estimator edge),
categorical ones stay strings and are encoded inside the Pipelines.
"""

import hashlib
import tempfile
from dataclasses import dataclass

import numpy as np
import polars as pl

from scoring.errors import DataError
from scoring.tasks import MartColumns

_SPOOL_BYTES = 1 << 18  # a spooled segment goes to disk past 256 kB (two per column at most)


@dataclass(frozen=True)
class FeatureSpec:
    """The feature columns of a task's marts, split by how the Pipelines encode them."""

    numeric: tuple[str, ...]
    categorical: tuple[str, ...]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.numeric + self.categorical

    def subset(self, keep: tuple[str, ...] | list[str]) -> "FeatureSpec":
        keep_set = set(keep)
        return FeatureSpec(
            tuple(c for c in self.numeric if c in keep_set),
            tuple(c for c in self.categorical if c in keep_set),
        )


@dataclass(frozen=True)
class Rows:
    """Rows of a mart ready for estimators: keys, features (Polars) and, for labelled rows, labels."""

    keys: pl.DataFrame  # id, as_of_date and (labelled rows) is_provided
    features: pl.DataFrame
    y: np.ndarray | None = None

    def __len__(self) -> int:
        return self.keys.height

    def take(self, index: np.ndarray) -> "Rows":
        idx = pl.Series(np.asarray(index, dtype=np.int64))
        return Rows(self.keys[idx], self.features[idx], None if self.y is None else self.y[index])


def _is_numeric(dtype: pl.DataType) -> bool:
    return dtype == pl.Boolean or dtype.is_numeric()


def feature_spec(
    columns: MartColumns, schema: pl.Schema, relation: str, required: tuple[str, ...] = ()
) -> FeatureSpec:
    """Numeric and categorical feature columns: everything but keys, labels and the task's non-features;
    `required` names features that must be there (the baseline's inputs)."""
    reserved = {
        columns.id_column,
        columns.date_column,
        columns.label,
        columns.label_source,
        *columns.non_features,
    }
    candidates = [name for name in schema.names() if name not in reserved]
    categorical = columns.categorical
    if categorical is None:
        categorical = tuple(n for n in candidates if schema[n] in (pl.String, pl.Categorical, pl.Enum))
    population = (columns.target_population,) if columns.target_population else ()
    missing = [c for c in (*categorical, *required, *population) if c not in schema]
    if missing:
        raise DataError(
            f"{relation} has no column {', '.join(missing)}: fix the task that reads it in scoring/tasks.py "
            "or rebuild the marts (make build-features)"
        )
    numeric = tuple(n for n in candidates if n not in categorical and _is_numeric(schema[n]))
    if not numeric and not categorical:
        raise DataError(f"{relation} has no feature columns besides keys and labels: rebuild the marts")
    return FeatureSpec(numeric, tuple(categorical))


def model_frame(frame: pl.DataFrame, spec: FeatureSpec) -> pl.DataFrame:
    """The feature columns in spec order: numeric as Float32, categorical as strings."""
    return frame.select(
        *(pl.col(c).cast(pl.Float32) for c in spec.numeric),
        *(pl.col(c).cast(pl.String) for c in spec.categorical),
    )


def labelled_rows(frame: pl.DataFrame, columns: MartColumns, spec: FeatureSpec, relation: str) -> Rows:
    """The rows with a label, with keys (id, as_of_date, is_provided) and 0/1 labels."""
    frame = frame.filter(pl.col(columns.label).is_not_null())
    provided = (
        pl.col(columns.label_source) == columns.provided_label_source
        if columns.label_source
        else pl.lit(True)
    ).alias("is_provided")
    keys = frame.select(
        pl.col(columns.id_column).alias("client_id"),
        pl.col(columns.date_column).alias("as_of_date"),
        provided,
    )
    y = frame[columns.label].cast(pl.Int8).to_numpy()
    if not set(np.unique(y)) <= {0, 1}:
        raise DataError(f"{relation}.{columns.label} must be 0/1; found {sorted(set(np.unique(y)))[:5]}")
    return Rows(keys, model_frame(frame, spec), y.astype(np.int8))


def scoring_rows(frame: pl.DataFrame, columns: MartColumns, spec: FeatureSpec, relation: str) -> Rows:
    """The rows to score (one per client at the scoring date), with keys (id, as_of_date)."""
    keys = frame.select(
        pl.col(columns.id_column).alias("client_id"), pl.col(columns.date_column).alias("as_of_date")
    )
    duplicated = keys["client_id"].is_duplicated()
    if duplicated.any():
        example = keys.filter(duplicated)["client_id"][0]
        raise DataError(f"{relation} has several rows for client_id {example} at one as_of_date")
    return Rows(keys, model_frame(frame, spec))


def _column_bytes(column: pl.Series) -> bytes:
    """A column's name, type and values as bytes that depend on the data only, not on a library version:
    little-endian numbers (dates as days, booleans as 0/1) or length-prefixed UTF-8, then the null mask."""
    physical = column.to_physical()
    if column.dtype in (pl.String, pl.Categorical, pl.Enum):
        text = column.cast(pl.String).fill_null("")
        kind = "text"
        values = text.str.len_bytes().to_numpy().astype("<u4").tobytes() + "".join(text.to_list()).encode()
    elif physical.dtype.is_numeric() or physical.dtype == pl.Boolean:
        array = physical.fill_null(0).to_numpy()
        array = array.astype(array.dtype.newbyteorder("<"))
        kind = f"{'time' if column.dtype.is_temporal() else 'number'}{array.dtype.str}"
        values = array.tobytes()
    else:
        raise TypeError(f"cannot fingerprint column {column.name!r} of type {column.dtype}")
    nulls = np.packbits(column.is_null().to_numpy()).tobytes()
    return b"\0".join([column.name.encode(), kind.encode(), values, nulls])


def fingerprint(rows: Rows) -> str:
    """A hash of the keys, the features and the labels: the same data gives the same fingerprint, whatever
    the versions of Polars or NumPy (values are hashed as plain bytes, not through a library's hash)."""
    digest = hashlib.blake2b(digest_size=16)
    for column in (*rows.keys.get_columns(), *rows.features.get_columns()):
        digest.update(hashlib.blake2b(_column_bytes(column), digest_size=16).digest())
    if rows.y is not None:
        digest.update(np.asarray(rows.y, dtype="<i1").tobytes())
    return digest.hexdigest()


def _spool():
    return tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # closed by _ColumnStream.digest()


class _ColumnStream:
    """_column_bytes of one column fed batch by batch: the hash reads the segments in the order
    _column_bytes joins them (the text after every length, the null mask last), so the parts that come
    later are spooled to disk meanwhile and memory stays bounded by the batch."""

    def __init__(self, column: pl.Series) -> None:
        self.is_text = column.dtype in (pl.String, pl.Categorical, pl.Enum)
        self.hash = hashlib.blake2b(digest_size=16)
        self.text = _spool() if self.is_text else None
        self.nulls = _spool()
        self.pending = np.zeros(0, dtype=bool)  # null flags not yet packed into whole bytes
        self.started = False

    def add(self, column: pl.Series) -> None:
        if self.is_text:
            text = column.cast(pl.String).fill_null("")
            head = b"\0".join([column.name.encode(), b"text", b""])
            self._feed(head, text.str.len_bytes().to_numpy().astype("<u4").tobytes())
            self.text.write("".join(text.to_list()).encode())
        else:
            physical = column.to_physical()
            if not (physical.dtype.is_numeric() or physical.dtype == pl.Boolean):
                raise TypeError(f"cannot fingerprint column {column.name!r} of type {column.dtype}")
            array = physical.fill_null(0).to_numpy()
            array = array.astype(array.dtype.newbyteorder("<"))
            kind = f"{'time' if column.dtype.is_temporal() else 'number'}{array.dtype.str}"
            self._feed(b"\0".join([column.name.encode(), kind.encode(), b""]), array.tobytes())
        flags = np.concatenate([self.pending, column.is_null().to_numpy()])
        whole = len(flags) // 8 * 8
        self.nulls.write(np.packbits(flags[:whole]).tobytes())
        self.pending = flags[whole:]

    def _feed(self, head: bytes, values: bytes) -> None:
        if not self.started:
            self.hash.update(head)
            self.started = True
        self.hash.update(values)

    def _replay(self, spooled) -> None:
        spooled.seek(0)
        while chunk := spooled.read(_SPOOL_BYTES):
            self.hash.update(chunk)
        spooled.close()

    def digest(self) -> bytes:
        if self.text is not None:
            self._replay(self.text)
        self.hash.update(b"\0")
        self._replay(self.nulls)
        self.hash.update(np.packbits(self.pending).tobytes())
        return self.hash.digest()

    def close(self) -> None:
        """Remove the spooled segments (digest() has when it ran; a run that fails before it has not)."""
        for spooled in (self.text, self.nulls):
            if spooled is not None:
                spooled.close()


class StreamingFingerprint:
    """fingerprint() of unlabelled rows that arrive in batches (keys and features, in a fixed order):
    the same value as fingerprint() of all of them at once, whatever the batch sizes."""

    def __init__(self) -> None:
        self.columns: list[_ColumnStream] = []

    def add(self, rows: Rows) -> None:
        columns = (*rows.keys.get_columns(), *rows.features.get_columns())
        if not self.columns:
            self.columns = [_ColumnStream(column) for column in columns]
        for stream, column in zip(self.columns, columns, strict=True):
            stream.add(column)

    def hexdigest(self) -> str:
        digest = hashlib.blake2b(digest_size=16)
        for stream in self.columns:
            digest.update(stream.digest())
        return digest.hexdigest()

    def close(self) -> None:
        for stream in self.columns:
            stream.close()
