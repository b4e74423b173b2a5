"""Finding and loading ``libovms_shared.so``, and the ctypes signature of every C function.

Every function of ``include/ovms.h`` is declared here once (``argtypes`` and ``restype``); the
rest of the package only calls the bound function objects of :data:`lib`.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import threading
from ctypes import POINTER, c_bool, c_char_p, c_int64, c_size_t, c_uint32, c_void_p
from pathlib import Path

__all__ = [
    "ENV_VAR",
    "LIBRARY_NAME",
    "OPENVINO_ENV_VAR",
    "LibraryNotFoundError",
    "candidates",
    "find_library",
    "find_openvino_runtime",
    "load_library",
]

#: Environment variable naming the library file; searched first.
ENV_VAR = "OVMS_SHARED_LIB"
LIBRARY_NAME = "libovms_shared.so"
#: The names the library may have in the package's own folder: the wheel's (setuptools-rust
#: names it as a stable-ABI module, see pyproject.toml), then a plain copy.
PACKAGED_NAMES = ("libovms_shared.abi3.so", LIBRARY_NAME)
#: Environment variable the library reads for the OpenVINO C runtime (src/ov/runtime.rs).
OPENVINO_ENV_VAR = "OVMS_OPENVINO_LIB"

_PACKAGE_DIR = Path(__file__).resolve().parent
#: ``<repo>/python/ovms_shared`` -> ``<repo>``; None when the package does not sit in the
#: repository (an installed wheel: ``site-packages/..`` is no build tree).
_REPO_ROOT: Path | None = _PACKAGE_DIR.parent.parent
if not (_REPO_ROOT / "Cargo.toml").is_file():
    _REPO_ROOT = None


class LibraryNotFoundError(OSError):
    """No ``libovms_shared.so`` was found, or it failed to load."""


def candidates() -> list[Path]:
    """The places searched for the library, in order: ``$OVMS_SHARED_LIB``, the package's own
    folder (where the wheel puts it), then the Cargo build tree of the repository this package
    sits in (only when it sits in one)."""
    found = []
    env = os.environ.get(ENV_VAR)
    if env:
        found.append(Path(env))
    found.extend(_PACKAGE_DIR / name for name in PACKAGED_NAMES)
    if _REPO_ROOT is not None:
        found.append(_REPO_ROOT / "target" / "release" / LIBRARY_NAME)
    return found


def find_library() -> Path:
    """The first existing candidate. ``$OVMS_SHARED_LIB``, when set, must name an existing file:
    a wrong value is an error rather than a silent fall-through to another copy."""
    env = os.environ.get(ENV_VAR)
    if env:
        if not Path(env).is_file():
            raise LibraryNotFoundError(f"${ENV_VAR} is {env!r}, which is not a file")
        return Path(env)
    for path in candidates():
        if path.is_file():
            return path
    searched = "\n  ".join(str(p) for p in candidates())
    raise LibraryNotFoundError(
        f"{LIBRARY_NAME} not found; searched:\n  {searched}\n"
        f"Install the wheel (python/README.md), build it with `cargo build --release`, "
        f"or set ${ENV_VAR} to its path."
    )


def find_openvino_runtime() -> Path | None:
    """``libopenvino_c.so.*`` of the installed ``openvino`` package (its ``openvino/libs``
    folder; the newest name if there are several), or None without one. The package is located,
    not imported."""
    try:
        spec = importlib.util.find_spec("openvino")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        names = sorted((Path(folder) / "libs").glob("libopenvino_c.so*"))
        if names:
            return names[-1]
    return None


def _point_at_openvino() -> None:
    """Before the library loads: unless ``$OVMS_OPENVINO_LIB`` is set (non-empty, the library's
    own rule), set it for this process to the installed ``openvino`` package's C runtime, so an
    installed wheel needs no variable. A value the user set always wins."""
    if os.environ.get(OPENVINO_ENV_VAR):
        return
    runtime = find_openvino_runtime()
    if runtime is not None:
        os.environ[OPENVINO_ENV_VAR] = str(runtime)


# The C types, named as in ovms.h. Handles are plain c_void_p: ctypes returns them as int/None.
P = c_void_p
PP = POINTER(c_void_p)
Status = c_void_p
u32, u32p = c_uint32, POINTER(c_uint32)
i64, i64p = c_int64, POINTER(c_int64)
size_t, size_tp = c_size_t, POINTER(c_size_t)
cstr, cstrp = c_char_p, POINTER(c_char_p)

#: ``void (*)(OVMS_InferenceResponse*, uint32_t flag, void* user)``. ctypes acquires the GIL
#: when the library calls it on one of its own threads.
COMPLETION_CALLBACK = ctypes.CFUNCTYPE(None, c_void_p, c_uint32, c_void_p)

# name: (restype, argtypes). Functions returning OVMS_Status* use `Status` (NULL -> None).
SIGNATURES: dict[str, tuple[object, list[object]]] = {
    # A. API version / status
    "OVMS_ApiVersion": (Status, [u32p, u32p]),
    "OVMS_StatusDelete": (None, [P]),
    "OVMS_StatusCode": (Status, [P, u32p]),
    "OVMS_StatusDetails": (Status, [P, cstrp]),
    # B. server metadata / strings. The out-strings are c_void_p so they can be freed.
    "OVMS_MetadataFieldByPointer": (Status, [P, cstr, PP, size_tp]),
    "OVMS_SerializeMetadataToString": (Status, [P, PP, size_tp]),
    "OVMS_ServerMetadata": (Status, [P, PP]),
    "OVMS_ServerMetadataDelete": (Status, [P]),
    "OVMS_StringFree": (None, [P]),
    # C. server settings
    "OVMS_ServerSettingsNew": (Status, [PP]),
    "OVMS_ServerSettingsDelete": (None, [P]),
    "OVMS_ServerSettingsSetGrpcPort": (Status, [P, u32]),
    "OVMS_ServerSettingsSetRestPort": (Status, [P, u32]),
    "OVMS_ServerSettingsSetGrpcWorkers": (Status, [P, u32]),
    "OVMS_ServerSettingsSetGrpcBindAddress": (Status, [P, cstr]),
    "OVMS_ServerSettingsSetRestWorkers": (Status, [P, u32]),
    "OVMS_ServerSettingsSetRestBindAddress": (Status, [P, cstr]),
    "OVMS_ServerSettingsSetGrpcChannelArguments": (Status, [P, cstr]),
    "OVMS_ServerSettingsSetGrpcMaxThreads": (Status, [P, u32]),
    "OVMS_ServerSettingsSetGrpcMemoryQuota": (Status, [P, size_t]),
    "OVMS_ServerSettingsSetFileSystemPollWaitSeconds": (Status, [P, u32]),
    "OVMS_ServerSettingsSetSequenceCleanerPollWaitMinutes": (Status, [P, u32]),
    "OVMS_ServerSettingsSetCustomNodeResourcesCleanerIntervalSeconds": (Status, [P, u32]),
    "OVMS_ServerSettingsSetCpuExtensionPath": (Status, [P, cstr]),
    "OVMS_ServerSettingsSetCacheDir": (Status, [P, cstr]),
    "OVMS_ServerSettingsSetLogLevel": (Status, [P, u32]),
    "OVMS_ServerSettingsSetLogPath": (Status, [P, cstr]),
    "OVMS_ServerSettingsSetAllowedLocalMediaPath": (Status, [P, cstr]),
    "OVMS_ServerSettingsSetAllowedMediaDomains": (Status, [P, cstr]),
    # D. models settings
    "OVMS_ModelsSettingsNew": (Status, [PP]),
    "OVMS_ModelsSettingsDelete": (None, [P]),
    "OVMS_ModelsSettingsSetConfigPath": (Status, [P, cstr]),
    # E. server lifecycle / state
    "OVMS_ServerNew": (Status, [PP]),
    "OVMS_ServerLive": (Status, [P, POINTER(c_bool)]),
    "OVMS_ServerReady": (Status, [P, POINTER(c_bool)]),
    "OVMS_ServerDelete": (None, [P]),
    "OVMS_ServerStartFromConfigurationFile": (Status, [P, P, P]),
    "OVMS_GetServableState": (Status, [P, cstr, i64, u32p]),
    "OVMS_ServerSetGlobalVADisplay": (Status, [P, P]),
    # F. inference request
    "OVMS_InferenceRequestNew": (Status, [PP, P, cstr, i64]),
    "OVMS_InferenceRequestDelete": (None, [P]),
    "OVMS_InferenceRequestAddInput": (Status, [P, cstr, u32, i64p, size_t]),
    "OVMS_InferenceRequestInputSetData": (Status, [P, cstr, P, size_t, u32, u32]),
    "OVMS_InferenceRequestAddOutput": (Status, [P, cstr, u32, i64p, size_t]),
    "OVMS_InferenceRequestOutputSetData": (Status, [P, cstr, P, size_t, u32, u32]),
    "OVMS_InferenceRequestInputRemoveData": (Status, [P, cstr]),
    "OVMS_InferenceRequestOutputRemoveData": (Status, [P, cstr]),
    "OVMS_InferenceRequestRemoveInput": (Status, [P, cstr]),
    "OVMS_InferenceRequestRemoveOutput": (Status, [P, cstr]),
    "OVMS_InferenceRequestAddParameter": (Status, [P, cstr, u32, P, size_t]),
    "OVMS_InferenceRequestRemoveParameter": (Status, [P, cstr]),
    "OVMS_InferenceRequestSetCompletionCallback": (Status, [P, COMPLETION_CALLBACK, P]),
    # G. inference execution
    "OVMS_Inference": (Status, [P, P, PP]),
    "OVMS_InferenceAsync": (Status, [P, P]),
    # H. inference response
    "OVMS_InferenceResponseOutputCount": (Status, [P, u32p]),
    # Its eight out-parameters are declared as plain addresses (void*, ABI-identical to T*): the
    # hot path passes precomputed ints, which ctypes converts ~2x faster than typed byref()s.
    "OVMS_InferenceResponseOutput": (Status, [P, u32, P, P, P, P, P, P, P, P]),
    "OVMS_InferenceResponseParameterCount": (Status, [P, u32p]),
    "OVMS_InferenceResponseParameter": (Status, [P, u32, u32p, PP]),
    "OVMS_InferenceResponseDelete": (None, [P]),
    # I. servable metadata
    "OVMS_GetServableMetadata": (Status, [P, cstr, i64, PP]),
    "OVMS_ServableMetadataInputCount": (Status, [P, u32p]),
    "OVMS_ServableMetadataOutputCount": (Status, [P, u32p]),
    "OVMS_ServableMetadataInput": (Status, [P, u32, cstrp, u32p, size_tp, PP, PP]),
    "OVMS_ServableMetadataOutput": (Status, [P, u32, cstrp, u32p, size_tp, PP, PP]),
    "OVMS_ServableMetadataInfo": (Status, [P, PP]),
    "OVMS_ServableMetadataDelete": (None, [P]),
}

#: Library extensions (``OVMS_Ex*``): declared when the loaded library exports them.
OPTIONAL_SIGNATURES: dict[str, tuple[object, list[object]]] = {
    "OVMS_ExServableSlots": (Status, [P, cstr, i64, u32p, u32p, u32p]),
    "OVMS_ExServerReload": (Status, [P]),
    "OVMS_ExTestInjectFault": (Status, [u32, u32]),
}

_lock = threading.Lock()
_loaded: ctypes.CDLL | None = None
_loaded_path: Path | None = None


def load_library(path: str | os.PathLike | None = None) -> ctypes.CDLL:
    """Loads the library once per process (``path``, or the search of :func:`find_library`) and
    declares every signature. Later calls return the same object; asking for a different file
    after the first load is an error, since the library holds a process-wide server."""
    global _loaded, _loaded_path
    with _lock:
        if _loaded is not None:
            if path is not None and Path(path).resolve() != _loaded_path:
                raise LibraryNotFoundError(
                    f"{_loaded_path} is already loaded; cannot switch to {path} in the same process"
                )
            return _loaded
        target = Path(path) if path is not None else find_library()
        _point_at_openvino()
        try:
            # CDLL (not PyDLL): ctypes releases the GIL for the duration of every call, so a
            # blocking call (OVMS_ServerDelete, OVMS_Inference) lets completion callbacks run.
            lib = ctypes.CDLL(str(target))
        except OSError as e:
            raise LibraryNotFoundError(f"cannot load {target}: {e}") from e
        for name, (restype, argtypes) in SIGNATURES.items():
            fn = getattr(lib, name)
            fn.restype = restype
            fn.argtypes = argtypes
        for name, (restype, argtypes) in OPTIONAL_SIGNATURES.items():
            if hasattr(lib, name):
                fn = getattr(lib, name)
                fn.restype = restype
                fn.argtypes = argtypes
        _loaded, _loaded_path = lib, target.resolve()
        return lib


def loaded_path() -> Path | None:
    """The file that was loaded, or None before the first load."""
    return _loaded_path
