"""OVMS statuses as Python exceptions."""

from __future__ import annotations

from enum import Enum, IntEnum

__all__ = ["StatusCode", "OvmsError", "InferenceFailed"]


class StatusCode(IntEnum):
    """The common OVMS status codes, numbered as in OVMS v2026.3 (``ovms::StatusCode``).

    The library may return other codes; :attr:`OvmsError.code` always carries the raw int."""

    # Printed as names (``StatusCode.INVALID_SHAPE``), not the bare numbers Python 3.11's
    # IntEnum prints.
    __str__ = Enum.__str__
    __format__ = Enum.__format__

    OK = 0
    PATH_INVALID = 1
    FILE_INVALID = 3
    CONFIG_FILE_INVALID = 4
    JSON_INVALID = 7
    JSON_SERIALIZATION_ERROR = 9
    MODEL_MISSING = 43
    MODEL_NAME_MISSING = 45
    MODEL_VERSION_MISSING = 47
    MODEL_VERSION_NOT_LOADED_ANYMORE = 48
    MODEL_VERSION_NOT_LOADED_YET = 49
    INVALID_NO_OF_INPUTS = 51
    INVALID_MISSING_INPUT = 52
    INVALID_UNEXPECTED_INPUT = 53
    INVALID_MISSING_OUTPUT = 54
    INVALID_NO_OF_SHAPE_DIMENSIONS = 55
    INVALID_BATCH_SIZE = 56
    INVALID_SHAPE = 57
    INVALID_PRECISION = 58
    INVALID_CONTENT_SIZE = 60
    INVALID_BUFFER_TYPE = 62
    INVALID_DEVICE_ID = 63
    OV_UNSUPPORTED_DESERIALIZATION_PRECISION = 67
    OV_INTERNAL_DESERIALIZATION_ERROR = 68
    OV_INTERNAL_INFERENCE_ERROR = 69
    OV_UNSUPPORTED_SERIALIZATION_PRECISION = 70
    OV_INTERNAL_SERIALIZATION_ERROR = 71
    INTERNAL_ERROR = 76
    UNKNOWN_ERROR = 77
    NOT_IMPLEMENTED = 78
    PIPELINE_DEFINITION_NAME_MISSING = 144
    DOUBLE_BUFFER_SET = 244
    DOUBLE_TENSOR_INSERT = 245
    NONEXISTENT_BUFFER = 247
    NONEXISTENT_TENSOR = 250
    NONEXISTENT_LOG_LEVEL = 254
    NONEXISTENT_PTR = 255
    SERVER_NOT_READY = 256
    OPTIONS_USAGE_ERROR = 257
    SERVER_ALREADY_STARTED = 260
    SERVER_ALREADY_STARTING = 261


_KNOWN = {int(c): c for c in StatusCode}


class OvmsError(Exception):
    """A status returned by the library (or, for :class:`InferenceFailed`, a failed async
    completion).

    ``code`` is the raw OVMS status number, ``status`` the matching :class:`StatusCode` member or
    None for a code this package does not name, ``message`` the library's details text."""

    def __init__(self, code: int, message: str):
        self.code = int(code)
        self.status = _KNOWN.get(self.code)
        self.message = message
        label = self.status.name if self.status is not None else "status"
        super().__init__(f"{message} [{label} {self.code}]")

    def __reduce__(self):
        return (type(self), (self.code, self.message))


class InferenceFailed(OvmsError):
    """An accepted async request completed with the failure flag. The C API carries no status
    with it, so the code is ``OV_INTERNAL_INFERENCE_ERROR``; the message says whether the server
    was stopping at the time (queued requests are failed by a shutdown)."""

    def __init__(self, code: int = StatusCode.OV_INTERNAL_INFERENCE_ERROR, message: str = "inference failed"):
        super().__init__(code, message)
