"""Per-frame records kept compactly: the one container of a set's records, a video's or a live session's.

A `FrameRecord` object costs ~1 KB (the dataclass, its metrics dict, a float object per
value): over 100 MB an hour at 30 fps. `FrameColumns` keeps the same fields as columns of
numpy types (float64 per metric, small ints for phase, cue and which metrics a frame had),
in fixed-size chunks so that memory grows in small steps and nothing is ever copied to grow.
It is a read-only sequence of `FrameRecord`s, rebuilt on access, so the report and frames.csv
are built from it by the same code as from a list (docs/performance.md has the measurement).

Exactness: every value comes back as it went in. The floats stay float64: frames.csv prints the
metrics and the signal to 3 decimals, and float32's 7 digits would move some of them by 0.001.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterator, Sequence
from typing import overload

import numpy as np

from formcheck.results import FrameRecord

# Frames per chunk: 4096 frames (~2 minutes at 30 fps) are ~0.3 MB, so a new chunk is a small
# step, and an hour is only ~27 chunks.
CHUNK_FRAMES = 4096

# Fixed columns and their types, in FrameRecord's order; people and the codes are small counts.
FIXED_COLUMNS: dict[str, type] = {
    "index": np.int32,
    "timestamp_s": np.float64,
    "has_pose": np.bool_,
    "people": np.int16,
    "feet_in_view": np.bool_,
    "phase": np.int16,
    "rep_count": np.int32,
    "signal": np.float64,
    "cue": np.int16,
    "metric_names": np.int16,
    "brightness": np.float64,
    "repeated": np.bool_,
}
METRIC_NAMES = list(FIXED_COLUMNS).index("metric_names")


class Codebook:
    """Small int codes for values that repeat from frame to frame (phase names, cue ids, metric-name tuples)."""

    def __init__(self) -> None:
        self._codes: dict[Hashable, int] = {}
        self.values: list = []

    def code(self, value: Hashable) -> int:
        found = self._codes.get(value)
        if found is None:
            found = self._codes[value] = len(self.values)
            self.values.append(value)
        return found


class _Chunk:
    """CHUNK_FRAMES rows: the fixed columns, and a float64 column per metric name seen in this chunk."""

    def __init__(self) -> None:
        self.size = 0
        self.fixed = {name: np.zeros(CHUNK_FRAMES, dtype) for name, dtype in FIXED_COLUMNS.items()}
        self.metrics: dict[str, np.ndarray] = {}

    def metric_column(self, name: str) -> np.ndarray:
        column = self.metrics.get(name)
        if column is None:
            column = self.metrics[name] = np.full(CHUNK_FRAMES, np.nan, np.float64)
        return column


class FrameColumns(Sequence[FrameRecord]):
    """Append-only store of FrameRecords as compact columns; reads give FrameRecords back."""

    def __init__(self) -> None:
        self._chunks: list[_Chunk] = []
        self._phases = Codebook()
        self._cues = Codebook()
        self._metric_names = Codebook()  # tuples of names, in the order the frame's dict had them
        self._length = 0

    def append(self, record: FrameRecord) -> None:
        if not self._chunks or self._chunks[-1].size == CHUNK_FRAMES:
            self._chunks.append(_Chunk())
        chunk = self._chunks[-1]
        row = chunk.size
        values = {
            "index": record.index,
            "timestamp_s": record.timestamp_s,
            "has_pose": record.has_pose,
            "people": record.people,
            "feet_in_view": record.feet_in_view,
            "phase": self._phases.code(record.phase),
            "rep_count": record.rep_count,
            "signal": record.signal,
            "cue": self._cues.code(record.cue),
            "metric_names": self._metric_names.code(tuple(record.metrics)),
            "brightness": record.brightness,
            "repeated": record.repeated,
        }
        for name, value in values.items():
            chunk.fixed[name][row] = value
        for name, value in record.metrics.items():
            chunk.metric_column(name)[row] = value
        chunk.size += 1
        self._length += 1

    def __len__(self) -> int:
        return self._length

    @property
    def last_timestamp_s(self) -> float:
        """Time of the newest frame (NaN when empty), without rebuilding its record."""
        if not self._chunks:
            return math.nan
        chunk = self._chunks[-1]
        return float(chunk.fixed["timestamp_s"][chunk.size - 1])

    @overload
    def __getitem__(self, i: int) -> FrameRecord: ...

    @overload
    def __getitem__(self, i: slice) -> list[FrameRecord]: ...

    def __getitem__(self, i: int | slice) -> FrameRecord | list[FrameRecord]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._length))]
        if i < 0:
            i += self._length
        if not 0 <= i < self._length:
            raise IndexError("frame record index out of range")
        chunk = self._chunks[i // CHUNK_FRAMES]
        row = i % CHUNK_FRAMES
        values = tuple(chunk.fixed[name][row].item() for name in FIXED_COLUMNS)
        metric_names = self._metric_names.values[values[METRIC_NAMES]]
        return self._rebuild(values, {name: chunk.metrics[name][row].item() for name in metric_names})

    def __iter__(self) -> Iterator[FrameRecord]:
        # Whole columns to Python lists once per chunk, then row tuples: several times faster than
        # indexing numpy a value at a time (an hour-long set is ~100,000 rows).
        for chunk in self._chunks:
            columns = [chunk.fixed[name][: chunk.size].tolist() for name in FIXED_COLUMNS]
            metric_lists = {name: column[: chunk.size].tolist() for name, column in chunk.metrics.items()}
            for row, values in enumerate(zip(*columns, strict=True)):
                metric_names = self._metric_names.values[values[METRIC_NAMES]]
                yield self._rebuild(values, {name: metric_lists[name][row] for name in metric_names})

    def _rebuild(self, values: tuple, metrics: dict[str, float]) -> FrameRecord:
        """A FrameRecord from one row of the fixed columns (in FIXED_COLUMNS order) and its metrics."""
        index, timestamp_s, has_pose, people, feet_in_view, phase, rep_count, signal, cue, _, brightness, repeated = (
            values
        )
        return FrameRecord(
            index=index,
            timestamp_s=timestamp_s,
            has_pose=has_pose,
            people=people,
            feet_in_view=feet_in_view,
            phase=self._phases.values[phase],
            rep_count=rep_count,
            signal=signal,
            cue=self._cues.values[cue],
            metrics=metrics,
            brightness=brightness,
            repeated=repeated,
        )

    def nbytes(self) -> int:
        """Bytes held by the columns (the codebooks are a few small objects)."""
        return sum(a.nbytes for c in self._chunks for a in (*c.fixed.values(), *c.metrics.values()))
