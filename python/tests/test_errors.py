"""Error paths: library statuses become OvmsError with the OVMS code and message; bad Python
input raises TypeError/ValueError before anything reaches C; callbacks never leak exceptions."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from concurrent.futures import Future

import numpy as np
import pytest

from conftest import write_config
from ovms_shared import InferenceFailed, OvmsError, Server, StatusCode, _server

X = np.zeros((1, 10), np.float32)


@pytest.fixture
def c_calls(monkeypatch):
    """Records every request-path call into the library."""
    calls = []
    for name in ("_RequestNew", "_AddInput", "_InputSetData", "_AddOutput", "_OutputSetData", "_Inference",
                 "_InferenceAsync", "_SetCallback"):
        real = getattr(_server, name)

        def spy(*args, _real=real, _name=name):
            calls.append(_name)
            return _real(*args)

        monkeypatch.setattr(_server, name, spy)
    return calls


# --- library statuses --------------------------------------------------------------------------


def expect_status(code, fn, *args, **kwargs) -> OvmsError:
    with pytest.raises(OvmsError) as info:
        fn(*args, **kwargs)
    error = info.value
    assert error.code == code and error.status == code, error
    assert isinstance(error.code, int) and error.message and str(code.value) in str(error)
    return error


def test_unknown_servable(server):
    error = expect_status(StatusCode.PIPELINE_DEFINITION_NAME_MISSING, server.infer, "no_such_model", {"b": X})
    assert error.message.startswith("Pipeline with requested name is not found")


def test_unknown_version(server):
    error = expect_status(StatusCode.MODEL_VERSION_MISSING, server.infer, "versioned", {"b": X}, version=9)
    assert error.message.startswith("Model with requested version is not found")


def test_invalid_shape(server):
    expect_status(StatusCode.INVALID_SHAPE, server.infer, "dummy", {"b": np.zeros((1, 11), np.float32)})


def test_invalid_rank(server):
    expect_status(StatusCode.INVALID_NO_OF_SHAPE_DIMENSIONS, server.infer, "dummy", {"b": np.zeros(10, np.float32)})


def test_invalid_batch(server):
    expect_status(StatusCode.INVALID_BATCH_SIZE, server.infer, "dummy", {"b": np.zeros((2, 10), np.float32)})


def test_preallocated_output_of_wrong_shape(server):
    expect_status(StatusCode.INVALID_SHAPE, server.infer, "dummy", {"b": X}, outputs={"a": np.empty((1, 9), np.float32)})


def test_inference_failure_sync(server):
    error = expect_status(StatusCode.OV_INTERNAL_INFERENCE_ERROR, server.infer, "fail_odd", {"x": np.zeros(5, np.float32)})
    assert error.message.startswith("Internal inference error")


def test_inference_failure_async_sets_the_future(server):
    future = server.infer_async("fail_odd", {"x": np.zeros(5, np.float32)})
    error = future.exception(timeout=10)
    assert isinstance(error, InferenceFailed) and isinstance(error, OvmsError)
    assert error.code == StatusCode.OV_INTERNAL_INFERENCE_ERROR and error.message == "inference failed"
    # The server is fine afterwards.
    assert server.infer_async("fail_odd", {"x": np.zeros(4, np.float32)}).result(10)["y"].shape == (2, 2)


def test_refused_async_request_raises_at_submission(server):
    expect_status(StatusCode.INVALID_SHAPE, server.infer_async, "dummy", {"b": np.zeros((1, 3), np.float32)})
    expect_status(StatusCode.PIPELINE_DEFINITION_NAME_MISSING, server.infer_async, "nope", {"b": X})
    assert not [k for k, v in _server._PENDING.items() if v[4] is server._state]


def test_async_form_raises_status(server):
    import asyncio

    async def go():
        await server.ainfer("dummy", {"b": np.zeros((1, 3), np.float32)})

    with pytest.raises(OvmsError) as info:
        asyncio.run(go())
    assert info.value.code == StatusCode.INVALID_SHAPE


def test_unknown_servable_state(server):
    expect_status(StatusCode.MODEL_NAME_MISSING, server.servable_state, "nope")
    expect_status(StatusCode.PIPELINE_DEFINITION_NAME_MISSING, server.servable_metadata, "nope")


def test_unnamed_code_keeps_the_raw_int():
    error = OvmsError(999, "something new")
    assert error.code == 999 and error.status is None and "999" in str(error)
    assert OvmsError(57, "x").status is StatusCode.INVALID_SHAPE
    import pickle

    again = pickle.loads(pickle.dumps(error))
    assert (again.code, again.message) == (999, "something new")


def test_status_code_numbers_match_the_library_source():
    """Our IntEnum against the library's own numbering (src/status/codes.rs, OVMS v2026.3)."""
    import re

    from conftest import REPO

    source = (REPO / "src" / "status" / "codes.rs").read_text()
    numbers = dict(re.findall(r"^\s+([A-Z][A-Z0-9_]+) = (\d+),", source, re.M))
    assert numbers, "no codes parsed"
    for member in StatusCode:
        assert int(numbers[member.name]) == member.value, member


# --- server lifecycle statuses -----------------------------------------------------------------


def test_second_server_is_already_started(server, shared_config):
    expect_status(StatusCode.SERVER_ALREADY_STARTED, Server, shared_config)
    # The running server is untouched.
    assert server.ready and server.infer("dummy", {"b": X})["a"][0, 0] == 1


def test_bad_config_then_good_start(no_server, tmp_path, shared_config):
    expect_status(StatusCode.CONFIG_FILE_INVALID, Server, tmp_path / "missing.json", log_level="ERROR")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    expect_status(StatusCode.JSON_INVALID, Server, bad, log_level="ERROR")
    # A failed start leaves nothing behind: the next start works.
    with Server(shared_config, log_level="ERROR") as server:
        assert server.ready


def test_closed_server_refuses(no_server, shared_config):
    server = Server(shared_config, log_level="ERROR")
    server.close()
    server.close()  # idempotent
    assert server.closed and not server.live and not server.ready
    for call in (lambda: server.infer("dummy", {"b": X}), lambda: server.infer_async("dummy", {"b": X}),
                 lambda: server.metadata(), lambda: server.servable_metadata("dummy")):
        expect_status(StatusCode.SERVER_NOT_READY, call)


def test_bad_log_level(no_server, shared_config):
    with pytest.raises(ValueError, match="log_level"):
        Server(shared_config, log_level="LOUD")
    expect_status(StatusCode.NONEXISTENT_LOG_LEVEL, Server, shared_config, log_level=9)


# --- bad Python input: TypeError / ValueError before anything reaches C ------------------------


@pytest.mark.parametrize(
    "name, inputs, kwargs, error, match",
    [
        ("dummy", [X], {}, TypeError, "inputs must be a dict"),
        ("dummy", {"b": X.tolist()}, {}, TypeError, "must be a numpy.ndarray, got list"),
        ("dummy", {"b": 1.0}, {}, TypeError, "must be a numpy.ndarray, got float"),
        ("dummy", {"b": np.float32(1)}, {}, TypeError, "must be a numpy.ndarray"),
        ("dummy", {"b": X.astype(np.float64)}, {}, TypeError, "must have dtype float32, got float64"),
        ("dummy", {"b": X.astype(np.int32)}, {}, TypeError, "must have dtype float32, got int32"),
        ("dummy", {"b": X.astype(np.complex64)}, {}, TypeError, "OVMS does not support"),
        ("dummy", {"b": np.array([["x"] * 10])}, {}, TypeError, "OVMS does not support"),
        ("dummy", {"b": X.astype(object)}, {}, TypeError, "OVMS does not support"),
        ("dummy", {}, {}, ValueError, r"missing input\(s\) \['b'\]"),
        ("add", {"input1": X}, {}, ValueError, r"missing input\(s\) \['input2'\]"),
        ("dummy", {"b": X, "c": X}, {}, ValueError, "unexpected input 'c'"),
        ("dummy", {"wrong": X}, {}, ValueError, "unexpected input 'wrong'"),
        ("dummy", {1: X}, {}, TypeError, "names must be str"),
        (b"dummy", {"b": X}, {}, TypeError, "servable name must be str"),
        ("dummy", {"b": X}, {"version": "1"}, TypeError, "version must be an int"),
        ("dummy", {"b": X}, {"version": 1.0}, TypeError, "version must be an int"),
        ("dummy", {"b": X}, {"outputs": [np.empty((1, 10), np.float32)]}, TypeError, "outputs must be a dict"),
        ("dummy", {"b": X}, {"outputs": {"a": [0.0] * 10}}, TypeError, "must be a numpy.ndarray"),
        ("dummy", {"b": X}, {"outputs": {"a": np.empty((1, 10))}}, TypeError, "must have dtype float32"),
        ("dummy", {"b": X}, {"outputs": {"zz": np.empty((1, 10), np.float32)}}, ValueError, "has no output 'zz'"),
        ("dummy", {"b": X}, {"outputs": {"a": np.empty((10, 2), np.float32).T[:1]}}, ValueError, "C-contiguous"),
    ],
)
@pytest.mark.parametrize("mode", ["sync", "async"])
def test_bad_python_input(server, c_calls, mode, name, inputs, kwargs, error, match):
    call = server.infer if mode == "sync" else server.infer_async
    with pytest.raises(error, match=match):
        call(name, inputs, **kwargs)
    assert c_calls == []


def test_read_only_preallocated_output(server, c_calls):
    target = np.empty((1, 10), np.float32)
    target.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        server.infer("dummy", {"b": X}, outputs={"a": target})
    assert c_calls == []


def test_stale_signature_is_reread_before_rejecting(server):
    """A cached signature that no longer matches is re-read once: a valid request is never
    rejected because of a stale cache."""
    server.infer("dummy", {"b": X})
    sig = server._signatures[("dummy", 0)]
    stale = _server._Signature(server._read_metadata("add", 0))
    server._signatures[("dummy", 0)] = stale
    assert server.infer("dummy", {"b": X})["a"][0, 0] == 1
    assert server._signatures[("dummy", 0)].metadata == sig.metadata


# --- callbacks never let an exception cross into C ---------------------------------------------


def test_failure_while_collecting_goes_to_the_future(server, monkeypatch):
    def broken(*args):
        raise RuntimeError("collect exploded")

    monkeypatch.setattr(_server, "_collect", broken)
    future = server.infer_async("dummy", {"b": X})
    with pytest.raises(RuntimeError, match="collect exploded"):
        future.result(timeout=10)
    monkeypatch.undo()
    assert server.infer_async("dummy", {"b": X}).result(10)["a"][0, 0] == 1


def test_raising_done_callback_does_not_break_completions(server, caplog):
    futures = []
    for _ in range(20):
        future = server.infer_async("dummy", {"b": X})
        future.add_done_callback(lambda f: 1 / 0)
        futures.append(future)
    for future in futures:
        assert future.result(timeout=10)["a"][0, 0] == 1


@pytest.fixture
def gate(monkeypatch) -> threading.Event:
    """Completions wait at this gate (on their library thread, GIL released) until it is set,
    i.e. until every done-callback is attached: each future then completes on a library thread,
    never in add_done_callback on the test's thread."""
    attached = threading.Event()

    class GatedPending(dict):
        def pop(self, *args):
            attached.wait(10)
            return super().pop(*args)

    monkeypatch.setattr(_server, "_PENDING", GatedPending(_server._PENDING))
    return attached


def within(seconds: float, fn, *args, **kwargs):
    """fn(*args, **kwargs) on a daemon thread; its result, or TimeoutError after `seconds`."""
    outcome = Future()

    def run():
        try:
            outcome.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: BLE001 - re-raised on the test's thread
            outcome.set_exception(e)

    threading.Thread(target=run, daemon=True).start()
    return outcome.result(timeout=seconds)


def test_close_inside_a_completion_callback_is_deferred(no_server, tmp_path, gate):
    """close() on the library's completion thread cannot wait there (OVMS_ServerDelete waits for
    that very callback): it closes the Server for new requests at once and finishes the close on
    a Python thread; close() from the test's thread waits for that, and a new Server starts."""
    config = write_config(tmp_path, {"dummy": {"nireq": 2}})
    server = Server(config, log_level="ERROR")
    outcomes = []

    def callback(future):
        if threading.current_thread() is threading.main_thread():
            outcomes.append("ran on the main thread")
            return
        start = time.monotonic()
        server.close()
        took = time.monotonic() - start
        try:
            server.infer_async("dummy", {"b": X})
            refused = None
        except OvmsError as e:
            refused = e.code
        outcomes.append((server.closed, refused, took))

    futures = [server.infer_async("dummy", {"b": X}) for _ in range(50)]
    for future in futures:
        future.add_done_callback(callback)
    gate.set()
    for future in futures:
        # Completed before the close (a result) or still queued when it began (InferenceFailed).
        error = future.exception(timeout=10)
        assert error is None or isinstance(error, InferenceFailed), error
    within(30, server.close)  # waits for the deferred close
    assert len(outcomes) == 50, outcomes
    for closed, refused, took in outcomes:
        assert closed and refused == StatusCode.SERVER_NOT_READY and took < 2, outcomes
    assert server.closed and not server.live
    assert _server._PENDING == {}
    with pytest.raises(OvmsError) as info:
        server.infer("dummy", {"b": X})
    assert info.value.code == StatusCode.SERVER_NOT_READY
    again = within(30, Server, config, log_level="ERROR")
    try:
        assert again.infer("dummy", {"b": X})["a"][0, 0] == 1
    finally:
        again.close()


def test_server_dropped_inside_its_own_done_callback_is_closed(no_server, tmp_path, gate):
    """The last reference to a Server dropped in one of its done-callbacks: __del__ runs on the
    library thread, the close is deferred, and the next Server(...) waits for it and starts."""
    config = write_config(tmp_path, {"dummy": {}})
    holder = [Server(config, log_level="ERROR")]
    alive = weakref.ref(holder[0])
    dropped = threading.Event()
    seen = []

    def callback(future):
        seen.append(threading.current_thread() is not threading.main_thread())
        holder.clear()
        gc.collect()
        seen.append(alive() is None)
        dropped.set()

    future = holder[0].infer_async("dummy", {"b": X})
    future.add_done_callback(callback)
    gate.set()
    assert future.result(timeout=10)["a"][0, 0] == 1
    assert dropped.wait(10)
    assert seen == [True, True], "the callback did not drop the last reference on a library thread"
    server = within(30, Server, config, log_level="ERROR")
    try:
        assert server.infer("dummy", {"b": X})["a"][0, 0] == 1
        assert server.infer_async("dummy", {"b": X}).result(timeout=10)["a"][0, 0] == 1
    finally:
        server.close()


def test_trampoline_ignores_unknown_user_pointers():
    # Called directly (as the library would): no exception escapes, nothing happens.
    assert _server._complete(None, 1, 987654321) is None
    assert _server._complete(None, 0, None) is None


def test_future_cannot_be_cancelled(server):
    future = server.infer_async("dummy", {"b": X})
    assert future.cancel() is False
    assert future.result(timeout=10)["a"][0, 0] == 1


def test_input_of_a_type_numpy_cannot_represent():
    """A BF16 model input: no array matches (np.dtype("float64") == None is True, so the cached
    signature must not use None for it)."""
    from ovms_shared import DataType, ServableMetadata, TensorInfo

    meta = ServableMetadata("m", 0, {"x": TensorInfo("x", DataType.BF16, None, (2,), (2,))}, {})
    sig = _server._Signature(meta)
    for dtype in (np.float64, np.float32, np.uint16):
        with pytest.raises(_server._Mismatch) as info:
            sig.prepare_inputs({"x": np.zeros(2, dtype)})
        assert isinstance(info.value.error, TypeError) and "BF16" in str(info.value.error)
