"""Enums of ovms.h, the NumPy dtype mapping, and servable metadata as dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, IntEnum

import numpy as np

__all__ = [
    "DataType",
    "ServableState",
    "LogLevel",
    "TensorInfo",
    "ServableMetadata",
    "datatype_of",
    "dtype_of",
]


class _Named(IntEnum):
    """An IntEnum that prints as its name (``ServableState.AVAILABLE``, not ``2``), which
    Python 3.11 changed IntEnum's str() to."""

    __str__ = Enum.__str__
    __format__ = Enum.__format__


class DataType(_Named):
    """``OVMS_DataType``."""

    BF16 = 0
    FP64 = 1
    FP32 = 2
    FP16 = 3
    I64 = 4
    I32 = 5
    I16 = 6
    I8 = 7
    I4 = 8
    U64 = 9
    U32 = 10
    U16 = 11
    U8 = 12
    U4 = 13
    U1 = 14
    BOOL = 15
    CUSTOM = 16
    UNDEFINED = 17
    DYNAMIC = 18
    MIXED = 19
    Q78 = 20
    BIN = 21
    STRING = 22


class ServableState(_Named):
    """``OVMS_ServableState``."""

    BEGIN = 0
    LOADING = 1
    AVAILABLE = 2
    UNLOADING = 3
    RETIRED = 4
    LOADING_FAILED = 5


class LogLevel(_Named):
    """``OVMS_LogLevel``."""

    TRACE = 0
    DEBUG = 1
    INFO = 2
    WARNING = 3
    ERROR = 4


#: NumPy dtype -> OVMS_DataType code, native byte order. STRING (C++ std::string arrays) and the
#: sub-byte / BF16 types have no NumPy equivalent and are not accepted as inputs.
DTYPE_TO_CODE: dict[np.dtype, int] = {
    np.dtype(np.float64): DataType.FP64,
    np.dtype(np.float32): DataType.FP32,
    np.dtype(np.float16): DataType.FP16,
    np.dtype(np.int64): DataType.I64,
    np.dtype(np.int32): DataType.I32,
    np.dtype(np.int16): DataType.I16,
    np.dtype(np.int8): DataType.I8,
    np.dtype(np.uint64): DataType.U64,
    np.dtype(np.uint32): DataType.U32,
    np.dtype(np.uint16): DataType.U16,
    np.dtype(np.uint8): DataType.U8,
    np.dtype(np.bool_): DataType.BOOL,
}
# Plain ints so the hot path passes ints to ctypes, not enum members.
DTYPE_TO_CODE = {k: int(v) for k, v in DTYPE_TO_CODE.items()}
CODE_TO_DTYPE: dict[int, np.dtype] = {v: k for k, v in DTYPE_TO_CODE.items()}


def datatype_of(dtype) -> DataType:
    """The OVMS data type of a NumPy dtype; TypeError for one OVMS cannot take."""
    dt = np.dtype(dtype)
    code = DTYPE_TO_CODE.get(dt)
    if code is None:
        raise TypeError(f"dtype {dt} has no OVMS data type (supported: {_supported()})")
    return DataType(code)


def dtype_of(datatype: int) -> np.dtype | None:
    """The NumPy dtype of an OVMS data type, or None when NumPy has none (BF16, STRING, ...)."""
    return CODE_TO_DTYPE.get(int(datatype))


def _supported() -> str:
    return ", ".join(str(d) for d in DTYPE_TO_CODE)


def _datatype_or_int(code: int):
    try:
        return DataType(code)
    except ValueError:
        return code


@dataclass(frozen=True)
class TensorInfo:
    """One input or output of a servable version.

    ``shape`` has -1 for every dimension that is not fixed; ``shape_min``/``shape_max`` are the
    per-dimension bounds the library reports (-1/-1 for a fully dynamic dimension)."""

    name: str
    datatype: DataType
    dtype: np.dtype | None
    shape_min: tuple[int, ...]
    shape_max: tuple[int, ...]
    shape: tuple[int, ...] = field(init=False)

    def __post_init__(self):
        fixed = tuple(lo if lo == hi else -1 for lo, hi in zip(self.shape_min, self.shape_max))
        object.__setattr__(self, "shape", fixed)

    @property
    def rank(self) -> int:
        return len(self.shape_min)

    @property
    def is_dynamic(self) -> bool:
        return -1 in self.shape


@dataclass(frozen=True)
class ServableMetadata:
    """``OVMS_GetServableMetadata``: the inputs and outputs of a servable version, each a
    mapping from tensor name to :class:`TensorInfo` in the library's (name) order."""

    name: str
    version: int
    inputs: dict[str, TensorInfo]
    outputs: dict[str, TensorInfo]
