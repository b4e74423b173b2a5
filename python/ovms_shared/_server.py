"""The Server: start/stop, metadata, sync and async inference over the C API.

Hot-path notes (see README "Performance"): every C function is a module global bound once by
:func:`_bind`; out-parameters live in reusable :class:`_Scratch` objects with their ``byref``
pointers precomputed; shape arrays are cached per shape; a servable's input/output signature is
cached per (name, version) and only re-read when a request does not match it.
"""

from __future__ import annotations

import asyncio
import atexit
import ctypes
import itertools
import json
import operator
import os
import threading
import weakref
from collections.abc import Mapping
from concurrent.futures import Future
from ctypes import addressof, byref, c_bool, c_char, c_char_p, c_int64, c_size_t, c_uint32, c_void_p

import numpy as np

from . import _lib
from ._errors import InferenceFailed, OvmsError, StatusCode
from ._types import (
    CODE_TO_DTYPE,
    DTYPE_TO_CODE,
    LogLevel,
    ServableMetadata,
    ServableState,
    TensorInfo,
    _datatype_or_int,
    _supported,
)

__all__ = ["Server", "api_version"]

_ndarray = np.ndarray
_frombuffer = np.frombuffer
_CPU = 0

# ---------------------------------------------------------------------------------------------
# Binding: module globals for the C functions (set once, by _bind)

_bound = False
_bind_lock = threading.Lock()


def _bind(lib: ctypes.CDLL) -> None:
    global _bound, _StatusCode, _StatusDetails, _StatusDelete, _RequestNew, _RequestDelete
    global _AddInput, _InputSetData, _AddOutput, _OutputSetData, _SetCallback, _Inference
    global _InferenceAsync, _OutputCount, _Output, _ResponseDelete
    with _bind_lock:
        if _bound:
            return
        _StatusCode = lib.OVMS_StatusCode
        _StatusDetails = lib.OVMS_StatusDetails
        _StatusDelete = lib.OVMS_StatusDelete
        _RequestNew = lib.OVMS_InferenceRequestNew
        _RequestDelete = lib.OVMS_InferenceRequestDelete
        _AddInput = lib.OVMS_InferenceRequestAddInput
        _InputSetData = lib.OVMS_InferenceRequestInputSetData
        _AddOutput = lib.OVMS_InferenceRequestAddOutput
        _OutputSetData = lib.OVMS_InferenceRequestOutputSetData
        _SetCallback = lib.OVMS_InferenceRequestSetCompletionCallback
        _Inference = lib.OVMS_Inference
        _InferenceAsync = lib.OVMS_InferenceAsync
        _OutputCount = lib.OVMS_InferenceResponseOutputCount
        _Output = lib.OVMS_InferenceResponseOutput
        _ResponseDelete = lib.OVMS_InferenceResponseDelete
        _bound = True


def _library() -> ctypes.CDLL:
    lib = _lib.load_library()
    if not _bound:
        _bind(lib)
    return lib


def api_version() -> tuple[int, int]:
    """``OVMS_ApiVersion`` of the loaded library, e.g. ``(1, 3)``."""
    lib = _library()
    major, minor = c_uint32(), c_uint32()
    _check(lib.OVMS_ApiVersion(byref(major), byref(minor)))
    return major.value, minor.value


# ---------------------------------------------------------------------------------------------
# Statuses


def _error(status: int) -> OvmsError:
    """The exception for a non-NULL ``OVMS_Status*``, which is freed."""
    code, details = c_uint32(), c_char_p()
    try:
        if _StatusCode(status, byref(code)) is not None or _StatusDetails(status, byref(details)) is not None:
            return OvmsError(StatusCode.INTERNAL_ERROR, "unreadable status")
        text = details.value.decode("utf-8", "replace") if details.value else ""
        return OvmsError(code.value, text)
    finally:
        _StatusDelete(status)


def _check(status) -> None:
    if status:
        raise _error(status)


def _not_ready() -> OvmsError:
    return OvmsError(StatusCode.SERVER_NOT_READY, "Server is not ready - this Server was closed")


# ---------------------------------------------------------------------------------------------
# Reusable ctypes out-parameters


class _Scratch:
    """Out-parameters of the request/response calls with their pointers precomputed. One
    scratch is used by one call at a time: they are taken from and returned to ``_SCRATCH``
    (list pop/append are atomic under the GIL)."""

    __slots__ = (
        "req", "req_ref", "resp", "resp_ref", "count", "count_ref", "out",
    )

    def __init__(self):
        self.req = c_void_p()
        self.req_ref = byref(self.req)
        self.resp = c_void_p()
        self.resp_ref = byref(self.resp)
        self.count = c_uint32()
        self.count_ref = byref(self.count)
        # OVMS_InferenceResponseOutput's out-parameters, in call order.
        name, dt, shape, dims = c_char_p(), c_uint32(), c_void_p(), c_size_t()
        data, nbytes, btype, dev = c_void_p(), c_size_t(), c_uint32(), c_uint32()
        self.out = (
            (name, dt, shape, dims, data, nbytes, btype, dev),
            tuple(addressof(o) for o in (name, dt, shape, dims, data, nbytes, btype, dev)),
        )


_SCRATCH: list[_Scratch] = []

# shape tuple -> (c_int64 * ndim) holding it. The library copies shapes, so the arrays are shared.
_SHAPES: dict[tuple, object] = {}
_SHAPES_MAX = 4096
class _ShapeTypes(dict):
    """ndim -> c_int64 * ndim."""

    def __missing__(self, ndim):
        self[ndim] = t = c_int64 * ndim
        return t


_I64 = _ShapeTypes()
# output name bytes -> str
_NAMES: dict[bytes, str] = {}


def _shape_array(shape: tuple):
    arr = _SHAPES.get(shape)
    if arr is None:
        if len(_SHAPES) >= _SHAPES_MAX:
            _SHAPES.clear()
        arr = _SHAPES[shape] = (c_int64 * len(shape))(*shape)
    return arr


def _attach_tensors(request, plan, add, set_data) -> None:
    """Adds each (name, type code, array) of `plan` to `request` with `add` (an input or an output)
    and points it at the array's memory with `set_data`."""
    for bname, code, arr in plan:
        shape = arr.shape
        status = add(request, bname, code, _SHAPES.get(shape) or _shape_array(shape), len(shape))
        if status:
            raise _error(status)
        status = set_data(request, bname, _address(arr), arr.nbytes, _CPU, 0)
        if status:
            raise _error(status)


def _address(arr: np.ndarray) -> int:
    """The address of a C-contiguous array's first byte."""
    try:
        # ~3x cheaper than __array_interface__; needs a writable, non-empty buffer.
        return addressof(c_char.from_buffer(arr))
    except (TypeError, ValueError, BufferError):
        return arr.__array_interface__["data"][0]


# ---------------------------------------------------------------------------------------------
# Responses


class _Response:
    """Owns an ``OVMS_InferenceResponse*``. The NumPy arrays over its outputs reference it (via
    their base buffer), so it is deleted when the last of them is gone."""

    __slots__ = ("ptr", "__weakref__")

    def __init__(self, ptr: int):
        self.ptr = ptr

    def __del__(self):
        ptr, self.ptr = self.ptr, None
        if ptr:
            try:
                _ResponseDelete(ptr)
            except Exception:  # interpreter shutdown: the binding may be gone
                pass


def _collect(resp: int, scratch: _Scratch, prealloc) -> dict[str, np.ndarray]:
    """The outputs of ``resp`` as ``{name: array}``; takes ownership of ``resp``."""
    owner = _Response(resp)
    _check(_OutputCount(resp, scratch.count_ref))
    count = scratch.count.value
    (name, dt, shape, dims, data, nbytes, _, _), refs = scratch.out
    result = {}
    for i in range(count):
        status = _Output(resp, i, *refs)
        if status:
            raise _error(status)
        raw_name = name.value
        key = _NAMES.get(raw_name)
        if key is None:
            key = raw_name.decode("utf-8", "replace")
            if len(_NAMES) < 4096:
                _NAMES[raw_name] = key
        ndim = dims.value
        out_shape = _I64[ndim].from_address(shape.value)[:] if ndim else ()
        dtype = CODE_TO_DTYPE.get(dt.value)
        if dtype is None:
            raise TypeError(
                f"output {key!r} has data type {_datatype_or_int(dt.value)!r}, which has no NumPy dtype"
            )
        size = nbytes.value
        ptr = data.value
        if prealloc is not None and key in prealloc:
            arr = prealloc[key]
            if ptr != _address(arr):
                # The library promises to write into the caller's buffer; copy if it did not.
                np.copyto(arr, _frombuffer((c_char * size).from_address(ptr), dtype).reshape(out_shape))
        elif size == 0 or not ptr:
            arr = np.empty(out_shape, dtype)
        else:
            buf = (c_char * size).from_address(ptr)
            buf._ovms_response = owner  # keeps the response alive as long as the array
            arr = _frombuffer(buf, dtype).reshape(out_shape)
        result[key] = arr
    return result


# ---------------------------------------------------------------------------------------------
# Servable signatures (cached metadata used to check requests in Python)


class _Mismatch(Exception):
    """A request does not match the cached signature; carries the user-facing exception."""

    def __init__(self, error: Exception):
        self.error = error


class _Unrepresentable:
    """Stands for the dtype of a tensor whose OVMS type has no NumPy dtype."""

    __slots__ = ("datatype",)

    def __init__(self, datatype):
        self.datatype = datatype

    @classmethod
    def of(cls, info: TensorInfo):
        return info.dtype if info.dtype is not None else cls(info.datatype)

    def __eq__(self, other):
        return False

    def __ne__(self, other):
        return True

    __hash__ = None

    def __str__(self):
        name = getattr(self.datatype, "name", self.datatype)
        return f"{name} (which has no NumPy dtype)"


class _Signature:
    """What requests are checked against: per input/output name, (name bytes, code, dtype)."""

    __slots__ = ("bname", "inputs", "outputs", "metadata")

    def __init__(self, metadata: ServableMetadata):
        self.metadata = metadata
        self.bname = metadata.name.encode()
        # A type NumPy cannot represent (BF16, STRING, ...) gets a dtype no array can equal.
        # (Not None: np.dtype("float64") == None is True.)
        self.inputs = {n: (n.encode(), int(t.datatype), _Unrepresentable.of(t)) for n, t in metadata.inputs.items()}
        self.outputs = {n: (n.encode(), int(t.datatype), _Unrepresentable.of(t)) for n, t in metadata.outputs.items()}

    def prepare_inputs(self, inputs) -> list:
        """[(name bytes, code, contiguous array)] in the caller's order; raises TypeError /
        ValueError for input that is wrong whatever the model, _Mismatch for input that does
        not match this signature."""
        if type(inputs) is not dict and not isinstance(inputs, Mapping):
            raise TypeError(f"inputs must be a dict of name -> numpy.ndarray, got {type(inputs).__name__}")
        spec = self.inputs
        plan = []
        mismatch = None
        for key, arr in inputs.items():
            if type(arr) is not _ndarray:
                _check_array(key, arr, "input")
            s = spec.get(key)
            if s is None:
                if type(key) is not str:
                    raise TypeError(f"input names must be str, got {key!r}")
                mismatch = mismatch or ValueError(
                    f"unexpected input {key!r} for servable {self.metadata.name!r}; its inputs are {list(spec)}"
                )
                continue
            dtype = arr.dtype
            if dtype is not s[2] and dtype != s[2]:
                dtype = _native(key, arr, "input")
                if dtype != s[2]:
                    mismatch = mismatch or TypeError(
                        f"input {key!r} of servable {self.metadata.name!r} must have dtype {s[2]}, got {arr.dtype}"
                    )
                    continue
                arr = arr.astype(dtype)
            if not arr.flags.c_contiguous:
                arr = np.ascontiguousarray(arr)
            plan.append((s[0], s[1], arr))
        if mismatch is None and len(plan) != len(spec):
            missing = [n for n in spec if n not in inputs]
            mismatch = ValueError(f"missing input(s) {missing} for servable {self.metadata.name!r}")
        if mismatch is not None:
            raise _Mismatch(mismatch)
        return plan

    def prepare_outputs(self, outputs) -> tuple[list, dict]:
        if not isinstance(outputs, Mapping):
            raise TypeError(
                f"outputs must be a dict of name -> preallocated numpy.ndarray, got {type(outputs).__name__}"
            )
        spec = self.outputs
        plan = []
        mismatch = None
        for key, arr in outputs.items():
            if type(arr) is not _ndarray:
                _check_array(key, arr, "output")
            if not arr.flags.c_contiguous:
                raise ValueError(f"preallocated output {key!r} must be C-contiguous (the library writes into it)")
            if not arr.flags.writeable:
                raise ValueError(f"preallocated output {key!r} is read-only")
            s = spec.get(key)
            if s is None:
                if type(key) is not str:
                    raise TypeError(f"output names must be str, got {key!r}")
                mismatch = mismatch or ValueError(
                    f"servable {self.metadata.name!r} has no output {key!r}; its outputs are {list(spec)}"
                )
                continue
            if arr.dtype != s[2]:
                _native(key, arr, "output")
                mismatch = mismatch or TypeError(
                    f"preallocated output {key!r} of servable {self.metadata.name!r} must have dtype {s[2]}, got {arr.dtype}"
                )
                continue
            plan.append((s[0], s[1], arr))
        if mismatch is not None:
            raise _Mismatch(mismatch)
        return plan, dict(outputs)


def _check_array(key, arr, kind: str) -> None:
    if type(key) is not str:
        raise TypeError(f"{kind} names must be str, got {key!r}")
    if not isinstance(arr, _ndarray):
        raise TypeError(
            f"{kind} {key!r} must be a numpy.ndarray, got {type(arr).__name__} "
            f"(wrap it with numpy.asarray(..., dtype=...))"
        )


def _native(key, arr, kind: str) -> np.dtype:
    """The native-byte-order dtype of ``arr``; TypeError when OVMS has no such data type."""
    dtype = arr.dtype
    if not dtype.isnative:
        dtype = dtype.newbyteorder("=")
    if dtype not in DTYPE_TO_CODE:
        raise TypeError(f"{kind} {key!r} has dtype {arr.dtype}, which OVMS does not support (supported: {_supported()})")
    return dtype


# ---------------------------------------------------------------------------------------------
# Async completions

_in_callback = threading.local()
_ids = itertools.count(1)
#: user pointer -> (future, request, inputs kept alive, preallocated outputs, server state)
_PENDING: dict[int, tuple] = {}


def _complete(response, flag, user):
    """The C completion callback (runs on a library thread, with the GIL ctypes took for it).
    Never lets an exception escape into C. The whole call is marked as on a completion thread
    (``_in_callback``), so a Server closed or garbage-collected anywhere in it defers its close."""
    outer = getattr(_in_callback, "active", False)
    _in_callback.active = True
    try:
        entry = _PENDING.pop(user, None)
        if entry is None:  # not ours or already completed: only free what we were handed
            if response:
                _ResponseDelete(response)
            return
        future, request, _keep, prealloc, state = entry
        result = error = None
        try:
            if flag == 0 and response:
                try:
                    scratch = _SCRATCH.pop()
                except IndexError:
                    scratch = _Scratch()
                try:
                    result = _collect(response, scratch, prealloc)
                finally:
                    _SCRATCH.append(scratch)
            else:
                if response:
                    _ResponseDelete(response)
                error = InferenceFailed(
                    StatusCode.OV_INTERNAL_INFERENCE_ERROR,
                    "inference failed while the server stopped (requests still queued are not run)"
                    if state.stopping
                    else "inference failed",
                )
        except BaseException as e:  # noqa: BLE001 - reported through the future
            error = e
        finally:
            # The library no longer touches the request once it has called back.
            _RequestDelete(request)
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)
    except BaseException:  # noqa: BLE001 - nothing may cross into C
        try:
            import traceback

            traceback.print_exc()
        except BaseException:  # noqa: BLE001
            pass
    finally:
        _in_callback.active = outer


#: Created once, kept alive for the life of the process.
_TRAMPOLINE = _lib.COMPLETION_CALLBACK(_complete)


# ---------------------------------------------------------------------------------------------
# The server

_OPEN: "weakref.WeakSet[Server]" = weakref.WeakSet()
#: States of the servers whose close was deferred (see Server.close) and has not finished yet.
_DEFERRED: set["_State"] = set()


@atexit.register
def _close_all() -> None:
    # Stop before the interpreter finalizes, so no completion callback arrives afterwards.
    # (Deferred closes run on non-daemon threads, which the interpreter joins before atexit.)
    for server in list(_OPEN):
        try:
            server.close()
        except Exception:  # noqa: BLE001
            pass
    _wait_for_deferred_closes()


class _State:
    """Shared by a Server and its pending requests, and outlives the Server object: a deferred
    close runs on it alone. ``stopping``: a close has begun; ``done``: it has finished."""

    __slots__ = ("stopping", "done")

    def __init__(self):
        self.stopping = False
        self.done = threading.Event()


def _shutdown(lib: ctypes.CDLL, handle: int, state: _State) -> None:
    """The real close: ``OVMS_ServerDelete``, then fail any future of ``state`` still pending."""
    # ctypes releases the GIL during this call (the library is a CDLL), so the completion
    # callbacks it waits for can take it.
    lib.OVMS_ServerDelete(handle)
    # The library guarantees every accepted request called back; make sure of it.
    for key, entry in list(_PENDING.items()):
        if entry[4] is state and _PENDING.pop(key, None) is not None:
            future = entry[0]
            if not future.done():
                future.set_exception(InferenceFailed(StatusCode.INTERNAL_ERROR, "no completion before shutdown"))


def _deferred_close(lib: ctypes.CDLL, handle: int, state: _State) -> None:
    """Body of the thread a close from a completion callback hands its work to. It holds no
    reference to the Server (which may be being garbage-collected)."""
    try:
        _shutdown(lib, handle, state)
    except BaseException:  # noqa: BLE001 - a thread has nobody to report to
        import traceback

        traceback.print_exc()
    finally:
        _DEFERRED.discard(state)
        state.done.set()


def _wait_for_deferred_closes() -> None:
    """Waits until every deferred close has finished. On a completion thread it does not wait
    (the closes wait for that thread's callback to return)."""
    if getattr(_in_callback, "active", False):
        return
    for state in list(_DEFERRED):
        state.done.wait()


class Server:
    """The process-wide OVMS server, started from a ``config.json``.

    ``Server(config)`` starts it (and raises :class:`OvmsError` if the start fails); ``close()``
    (or leaving a ``with`` block) stops it, after every accepted async request has completed.
    Only one Server can be open at a time in a process (the C API's server is a singleton);
    after ``close()`` a new one can be started. A Server closed, or garbage-collected, inside a
    future's done-callback closes in the background (see :meth:`close`); ``Server(...)`` first
    waits for such a close to finish.
    """

    def __init__(
        self,
        config_path: str | os.PathLike,
        *,
        log_level: LogLevel | int | str | None = None,
        log_path: str | os.PathLike | None = None,
        cache_dir: str | os.PathLike | None = None,
        file_system_poll_wait_seconds: int | None = None,
        grpc_port: int = 0,
        rest_port: int = 0,
        grpc_bind_address: str | None = None,
        rest_bind_address: str | None = None,
        library: str | os.PathLike | None = None,
    ):
        lib = _lib.load_library(library)
        if not _bound:
            _bind(lib)
        # A Server closed (or dropped) inside a done-callback may still be closing: wait for it,
        # or the start below would fail with SERVER_ALREADY_STARTED.
        _wait_for_deferred_closes()
        self._lib = lib
        self._lock = threading.Lock()
        self._state = _State()
        self._signatures: dict[tuple[str, int], _Signature] = {}
        self._handle = None
        config_path = os.fspath(config_path)
        if not isinstance(config_path, str):
            raise TypeError("config_path must be a str or os.PathLike of str")
        if isinstance(log_level, str):
            try:
                log_level = LogLevel[log_level.upper()]
            except KeyError:
                raise ValueError(f"log_level must be one of {[m.name for m in LogLevel]}, got {log_level!r}") from None

        server = c_void_p()
        _check(lib.OVMS_ServerNew(byref(server)))
        settings, models = c_void_p(), c_void_p()
        _check(lib.OVMS_ServerSettingsNew(byref(settings)))
        try:
            _check(lib.OVMS_ModelsSettingsNew(byref(models)))
            _check(lib.OVMS_ModelsSettingsSetConfigPath(models, os.path.abspath(config_path).encode()))
            if log_level is not None:
                _check(lib.OVMS_ServerSettingsSetLogLevel(settings, int(log_level)))
            if log_path is not None:
                _check(lib.OVMS_ServerSettingsSetLogPath(settings, os.fsencode(log_path)))
            if cache_dir is not None:
                _check(lib.OVMS_ServerSettingsSetCacheDir(settings, os.fsencode(cache_dir)))
            if file_system_poll_wait_seconds is not None:
                _check(lib.OVMS_ServerSettingsSetFileSystemPollWaitSeconds(settings, int(file_system_poll_wait_seconds)))
            # Non-zero ports serve KServe v2 over gRPC and REST from the same pools.
            if grpc_port:
                _check(lib.OVMS_ServerSettingsSetGrpcPort(settings, int(grpc_port)))
            if rest_port:
                _check(lib.OVMS_ServerSettingsSetRestPort(settings, int(rest_port)))
            if grpc_bind_address is not None:
                _check(lib.OVMS_ServerSettingsSetGrpcBindAddress(settings, grpc_bind_address.encode()))
            if rest_bind_address is not None:
                _check(lib.OVMS_ServerSettingsSetRestBindAddress(settings, rest_bind_address.encode()))
            status = lib.OVMS_ServerStartFromConfigurationFile(server, settings, models)
            if status:
                error = _error(status)
                if error.code not in (StatusCode.SERVER_ALREADY_STARTED, StatusCode.SERVER_ALREADY_STARTING):
                    # A failed start can leave the singleton live but not ready, which blocks
                    # every later start: reset it (it is not someone else's running server).
                    lib.OVMS_ServerDelete(server)
                raise error
        finally:
            lib.OVMS_ModelsSettingsDelete(models)
            lib.OVMS_ServerSettingsDelete(settings)
        self._handle = server.value
        self.config_path = config_path
        _OPEN.add(self)

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Stops the server. Requests still queued complete with :class:`InferenceFailed`,
        running ones with their result; this returns after every future is done. Idempotent:
        a second call (from any thread but a completion thread) waits for the first to finish.

        Called on the library's completion thread (in a future's done-callback, or when the
        Server is garbage-collected there), it cannot wait: ``OVMS_ServerDelete`` waits for
        every callback, that one included. The Server is then closed for new requests at once
        (they raise :class:`OvmsError` ``SERVER_NOT_READY``) and the rest of the close runs on a
        separate Python thread, finishing once the callbacks have returned; ``close()`` called
        again from another thread, or the next ``Server(...)``, waits for it."""
        in_callback = getattr(_in_callback, "active", False)
        # The lock only guards taking the handle: a completion callback may need it while
        # another thread's close() waits for that callback in OVMS_ServerDelete.
        with self._lock:
            handle, self._handle = self._handle, None
            state = self._state
            if handle is not None:
                state.stopping = True
                if in_callback:
                    _DEFERRED.add(state)
        if handle is None:
            # Already closed, or being closed (by another thread, or deferred): wait for it.
            if state.stopping and not in_callback:
                state.done.wait()
            return
        _OPEN.discard(self)
        if in_callback:
            closer = threading.Thread(
                target=_deferred_close, args=(self._lib, handle, state), name="ovms-deferred-close"
            )
            try:
                closer.start()
            except RuntimeError:  # interpreter shutdown: no new threads; the C server stays up
                _DEFERRED.discard(state)
                state.done.set()
                raise
            return
        try:
            _shutdown(self._lib, handle, state)
        finally:
            state.done.set()

    def __enter__(self) -> "Server":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        # On a completion thread, close() defers the close to a Python thread.
        if getattr(self, "_handle", None) is not None:
            try:
                self.close()
            except Exception:  # noqa: BLE001
                pass

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has begun: no new request is accepted. (A close deferred
        from a done-callback may still be finishing; ``close()`` from another thread waits.)"""
        return self._handle is None

    def __repr__(self) -> str:
        state = "closed" if self._handle is None else "open"
        return f"<ovms_shared.Server {state} config={getattr(self, 'config_path', None)!r}>"

    # -- state and metadata ------------------------------------------------------------------

    def _server(self) -> int:
        handle = self._handle
        if handle is None:
            raise _not_ready()
        return handle

    @property
    def live(self) -> bool:
        """``OVMS_ServerLive``."""
        if self._handle is None:
            return False
        value = c_bool()
        _check(self._lib.OVMS_ServerLive(self._handle, byref(value)))
        return value.value

    @property
    def ready(self) -> bool:
        """``OVMS_ServerReady``: the initial config is loaded."""
        if self._handle is None:
            return False
        value = c_bool()
        _check(self._lib.OVMS_ServerReady(self._handle, byref(value)))
        return value.value

    def metadata(self) -> dict:
        """``OVMS_ServerMetadata`` as a dict: ``{"name", "version", "ov_version"}``."""
        lib = self._lib
        meta = c_void_p()
        _check(lib.OVMS_ServerMetadata(self._server(), byref(meta)))
        try:
            text, size = c_void_p(), c_size_t()
            _check(lib.OVMS_SerializeMetadataToString(meta, byref(text), byref(size)))
            try:
                return json.loads(ctypes.string_at(text.value, size.value))
            finally:
                lib.OVMS_StringFree(text)
        finally:
            _check(lib.OVMS_ServerMetadataDelete(meta))

    def servable_state(self, name: str, version: int = 0) -> ServableState:
        """``OVMS_GetServableState`` (version 0: the default version)."""
        name, version = _servable_args(name, version)
        state = c_uint32()
        _check(self._lib.OVMS_GetServableState(self._server(), name.encode(), version, byref(state)))
        return ServableState(state.value)

    def slots(self, name: str, version: int = 0) -> tuple[int, int, int]:
        """``OVMS_ExServableSlots`` (an extension): the version's infer-request slots, how many
        are idle, and how many requests wait for one."""
        name, version = _servable_args(name, version)
        slots, idle, queued = c_uint32(), c_uint32(), c_uint32()
        _check(
            self._lib.OVMS_ExServableSlots(
                self._server(), name.encode(), version, byref(slots), byref(idle), byref(queued)
            )
        )
        return slots.value, idle.value, queued.value

    def servable_metadata(self, name: str, version: int = 0) -> ServableMetadata:
        """``OVMS_GetServableMetadata``: inputs and outputs of a servable version."""
        return self._signature(*_servable_args(name, version), refresh=True).metadata

    def _read_metadata(self, name: str, version: int) -> ServableMetadata:
        lib = self._lib
        meta = c_void_p()
        _check(lib.OVMS_GetServableMetadata(self._server(), name.encode(), version, byref(meta)))
        try:
            count = c_uint32()
            tname, dt, dims, smin, smax = c_char_p(), c_uint32(), c_size_t(), c_void_p(), c_void_p()
            refs = (byref(tname), byref(dt), byref(dims), byref(smin), byref(smax))

            def tensors(count_fn, tensor_fn):
                _check(count_fn(meta, byref(count)))
                found = {}
                for i in range(count.value):
                    _check(tensor_fn(meta, i, *refs))
                    n = dims.value
                    lo = tuple(_I64[n].from_address(smin.value)) if n else ()
                    hi = tuple(_I64[n].from_address(smax.value)) if n else ()
                    key = tname.value.decode()
                    found[key] = TensorInfo(key, _datatype_or_int(dt.value), CODE_TO_DTYPE.get(dt.value), lo, hi)
                return found

            inputs = tensors(lib.OVMS_ServableMetadataInputCount, lib.OVMS_ServableMetadataInput)
            outputs = tensors(lib.OVMS_ServableMetadataOutputCount, lib.OVMS_ServableMetadataOutput)
        finally:
            lib.OVMS_ServableMetadataDelete(meta)
        return ServableMetadata(name, version, inputs, outputs)

    def _signature(self, name: str, version: int, refresh: bool = False) -> _Signature:
        key = (name, version)
        if not refresh:
            sig = self._signatures.get(key)
            if sig is not None:
                return sig
        sig = _Signature(self._read_metadata(name, version))
        if len(self._signatures) >= 1024:
            self._signatures.clear()
        self._signatures[key] = sig
        return sig

    # -- inference ---------------------------------------------------------------------------

    def _prepare(self, name, inputs, version, outputs):
        """(server, version, signature, input plan, output plan, preallocated dict): everything checked
        in Python before anything reaches C."""
        if type(name) is not str:
            raise TypeError(f"servable name must be str, got {type(name).__name__}")
        if type(version) is not int:
            version = _version(version)
        server = self._handle
        if server is None:
            raise _not_ready()
        sig = self._signatures.get((name, version))
        fresh = sig is None
        if fresh:
            sig = self._signature(name, version)
        for attempt in (0, 1):
            try:
                plan = sig.prepare_inputs(inputs)
                if outputs is None:
                    return server, version, sig, plan, None, None
                out_plan, prealloc = sig.prepare_outputs(outputs)
                return server, version, sig, plan, out_plan, prealloc
            except _Mismatch as m:
                if fresh or attempt:
                    raise m.error from None
                # The cached signature may be stale (a reload): read it again, check again.
                sig = self._signature(name, version, refresh=True)
                fresh = True
        raise AssertionError("unreachable")

    def _request(self, server, sig, version, plan, out_plan, scratch) -> int:
        """A new request with every input (and preallocated output) bound; the caller deletes it."""
        status = _RequestNew(scratch.req_ref, server, sig.bname, version)
        if status:
            raise _error(status)
        request = scratch.req.value
        try:
            _attach_tensors(request, plan, _AddInput, _InputSetData)
            if out_plan:
                _attach_tensors(request, out_plan, _AddOutput, _OutputSetData)
        except BaseException:
            _RequestDelete(request)
            raise
        return request

    def infer(
        self,
        name: str,
        inputs: Mapping[str, np.ndarray],
        version: int = 0,
        outputs: Mapping[str, np.ndarray] | None = None,
    ) -> dict[str, np.ndarray]:
        """Synchronous inference on servable ``name`` (``version`` 0: the default version).

        ``inputs`` maps every model input name to a NumPy array of the model's dtype; the
        library reads the arrays' memory directly (a non C-contiguous array is copied once).
        Returns ``{output name: array}``; the arrays are views of the response's memory (no
        copy), which is freed when the last of them is gone. ``outputs`` may map output names
        to preallocated, C-contiguous arrays: the library writes into them and they are
        returned as they are.
        """
        server, version, sig, plan, out_plan, prealloc = self._prepare(name, inputs, version, outputs)
        try:
            scratch = _SCRATCH.pop()
        except IndexError:
            scratch = _Scratch()
        try:
            request = self._request(server, sig, version, plan, out_plan, scratch)
            try:
                status = _Inference(server, request, scratch.resp_ref)
            finally:
                _RequestDelete(request)
            if status:
                error = _error(status)
                self._signatures.pop((name, version), None)
                raise error
            return _collect(scratch.resp.value, scratch, prealloc)
        finally:
            _SCRATCH.append(scratch)

    def infer_async(
        self,
        name: str,
        inputs: Mapping[str, np.ndarray],
        version: int = 0,
        outputs: Mapping[str, np.ndarray] | None = None,
    ) -> Future:
        """Asynchronous inference: returns a :class:`concurrent.futures.Future` of the outputs
        dict (see :meth:`infer`).

        Invalid Python input raises TypeError/ValueError here, and a request the library
        refuses raises :class:`OvmsError` here (nothing is pending then). Once accepted, the
        future completes exactly once, on a library thread: with the outputs, or with
        :class:`InferenceFailed`. The input arrays are kept alive until then (do not modify
        them meanwhile). The future cannot be cancelled. Its done-callbacks run on the library's
        completion thread; a :meth:`close` there (or dropping the last reference to the Server)
        is deferred to a Python thread (see :meth:`close`).
        """
        server, version, sig, plan, out_plan, prealloc = self._prepare(name, inputs, version, outputs)
        try:
            scratch = _SCRATCH.pop()
        except IndexError:
            scratch = _Scratch()
        try:
            request = self._request(server, sig, version, plan, out_plan, scratch)
        finally:
            _SCRATCH.append(scratch)
        future = Future()
        future.set_running_or_notify_cancel()
        key = next(_ids)
        _PENDING[key] = (future, request, (plan, out_plan), prealloc, self._state)
        status = _SetCallback(request, _TRAMPOLINE, key)
        if not status:
            status = _InferenceAsync(server, request)
        if status:
            # Refused: the callback will never run.
            _PENDING.pop(key, None)
            _RequestDelete(request)
            self._signatures.pop((name, version), None)
            raise _error(status)
        return future

    async def ainfer(
        self,
        name: str,
        inputs: Mapping[str, np.ndarray],
        version: int = 0,
        outputs: Mapping[str, np.ndarray] | None = None,
    ) -> dict[str, np.ndarray]:
        """``await server.ainfer(...)``: :meth:`infer_async` for asyncio. The result is handed
        to the running event loop thread-safely."""
        return await asyncio.wrap_future(self.infer_async(name, inputs, version, outputs))


def _version(version) -> int:
    try:
        return operator.index(version)
    except TypeError:
        raise TypeError(f"version must be an int, got {type(version).__name__}") from None


def _servable_args(name, version) -> tuple[str, int]:
    if type(name) is not str:
        raise TypeError(f"servable name must be str, got {type(name).__name__}")
    return name, (version if type(version) is int else _version(version))

