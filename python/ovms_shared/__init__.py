"""ovms_shared: Python bindings (ctypes, no compile step) for libovms_shared.so, the in-process
C API of OpenVINO Model Server.

    import numpy as np
    from ovms_shared import Server
    with Server("config.json") as server:
        print(server.infer("dummy", {"b": np.zeros((1, 10), np.float32)})["a"])
"""

from ._errors import InferenceFailed, OvmsError, StatusCode
from ._lib import ENV_VAR, LibraryNotFoundError, find_library, find_openvino_runtime, load_library
from ._server import Server, api_version
from ._types import DataType, LogLevel, ServableMetadata, ServableState, TensorInfo, datatype_of, dtype_of

__version__ = "0.1.0"

__all__ = [
    "Server",
    "OvmsError",
    "InferenceFailed",
    "StatusCode",
    "DataType",
    "ServableState",
    "LogLevel",
    "ServableMetadata",
    "TensorInfo",
    "api_version",
    "datatype_of",
    "dtype_of",
    "find_library",
    "find_openvino_runtime",
    "load_library",
    "LibraryNotFoundError",
    "ENV_VAR",
]
