"""Async inference: futures, asyncio, 1,000 requests from 4 threads, shutdown with requests in
flight (every future completes, no deadlock on the GIL)."""

from __future__ import annotations

import asyncio
import gc
import threading
import time
from concurrent.futures import Future, wait

import numpy as np
import pytest

from conftest import write_config
from ovms_shared import InferenceFailed, OvmsError, Server, StatusCode, _server


def pending_of(server) -> list:
    return [k for k, v in _server._PENDING.items() if v[4] is server._state]


def test_future_result_equals_sync_and_openvino(server, reference):
    x = np.random.default_rng(5).standard_normal((1, 3, 4, 5)).astype(np.float32)
    future = server.infer_async("increment", {"input": x})
    assert isinstance(future, Future)
    out = future.result(timeout=10)
    np.testing.assert_array_equal(out["output"], server.infer("increment", {"input": x})["output"])
    np.testing.assert_array_equal(out["output"], reference("increment", {"input": x})["output"])


def test_async_versions_and_multiple_inputs(server):
    ones = np.ones((1, 10), np.float32)
    futures = {v: server.infer_async("versioned", {"b": ones}, version=v) for v in (1, 2, 3)}
    for v, f in futures.items():
        np.testing.assert_array_equal(f.result(10)["a"], ones + v)
    assert (server.infer_async("add", {"input1": ones, "input2": ones}).result(10)["sum"] == 2).all()


def test_inputs_are_kept_alive_until_completion(server):
    futures = []
    for i in range(200):
        # The only reference to each input array is the one the pending request holds.
        futures.append(server.infer_async("dummy", {"b": np.full((1, 10), i, np.float32)}))
    gc.collect()
    for i, f in enumerate(futures):
        np.testing.assert_array_equal(f.result(10)["a"], np.full((1, 10), i + 1))
    assert pending_of(server) == []


def test_asyncio_awaitable(server, reference):
    async def main():
        xs = [np.full((1, 10), i, np.float32) for i in range(100)]
        outs = await asyncio.gather(*(server.ainfer("dummy", {"b": x}) for x in xs))
        return xs, outs

    xs, outs = asyncio.run(main())
    for x, out in zip(xs, outs):
        np.testing.assert_array_equal(out["a"], reference("dummy", {"b": x})["a"])


def test_asyncio_failure(server):
    async def main():
        return await server.ainfer("fail_odd", {"x": np.zeros(3, np.float32)})

    with pytest.raises(InferenceFailed):
        asyncio.run(main())


def test_1000_async_requests_from_4_threads(server):
    results: dict[int, list] = {}
    errors = []

    def submit(thread: int):
        try:
            mine = []
            for i in range(250):
                value = thread * 1000 + i
                mine.append((value, server.infer_async("dummy", {"b": np.full((1, 10), value, np.float32)})))
            results[thread] = mine
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=submit, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and len(results) == 4
    futures = [f for mine in results.values() for _, f in mine]
    assert len(futures) == 1000
    done, not_done = wait(futures, timeout=60)
    assert not not_done
    for mine in results.values():
        for value, future in mine:
            np.testing.assert_array_equal(future.result()["a"], np.full((1, 10), value + 1, np.float32))
    assert pending_of(server) == []


def test_sync_and_async_from_many_threads(server):
    def worker(k):
        for i in range(50):
            x = np.full((1, 10), k * 100 + i, np.float32)
            if i % 2:
                assert (server.infer("dummy", {"b": x})["a"] == x + 1).all()
            else:
                assert (server.infer_async("dummy", {"b": x}).result(10)["a"] == x + 1).all()

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
        assert not t.is_alive()


def test_done_callbacks_run_and_see_results(server):
    seen = []
    event = threading.Event()

    def callback(future):
        seen.append(future.result()["a"][0, 0])
        if len(seen) == 10:
            event.set()

    for i in range(10):
        server.infer_async("dummy", {"b": np.full((1, 10), i, np.float32)}).add_done_callback(callback)
    assert event.wait(10)
    assert sorted(seen) == list(range(1, 11))


# --- shutdown with requests in flight -----------------------------------------------------------


def _closer(server) -> threading.Thread:
    thread = threading.Thread(target=server.close, name="closer")
    thread.start()
    return thread


def _check_all_done(futures):
    """Every future is done: a correct result, or InferenceFailed. Returns (ok, failed)."""
    ok = failed = 0
    for value, future in futures:
        assert future.done(), "a future was left pending by shutdown"
        error = future.exception(timeout=0)
        if error is None:
            np.testing.assert_array_equal(future.result()["a"], np.full((1, 10), value + 1, np.float32))
            ok += 1
        else:
            assert isinstance(error, InferenceFailed), error
            assert "server stopped" in error.message
            failed += 1
    return ok, failed


def test_shutdown_with_requests_in_flight(no_server, tmp_path):
    config = write_config(tmp_path, {"dummy": {"nireq": 1, "queue_size": 32}})
    server = Server(config, log_level="ERROR")
    futures = []
    refused = []
    stop = threading.Event()
    spinning = threading.Event()

    def submitter(k):
        i = 0
        while not stop.is_set():
            value = k * 100000 + i
            try:
                futures.append((value, server.infer_async("dummy", {"b": np.full((1, 10), value, np.float32)})))
            except OvmsError as e:
                refused.append(e)
                return
            i += 1

    def gil_hog():
        # Pure-Python work that keeps asking for the GIL while the server shuts down.
        spinning.set()
        while not stop.is_set():
            sum(range(1000))

    threads = [threading.Thread(target=submitter, args=(k,)) for k in range(3)]
    threads.append(threading.Thread(target=gil_hog))
    for t in threads:
        t.start()
    spinning.wait(5)
    deadline = time.monotonic() + 10
    while len(futures) < 300 and time.monotonic() < deadline:
        time.sleep(0.001)
    closer = _closer(server)
    closer.join(timeout=30)
    assert not closer.is_alive(), "Server.close() deadlocked with requests in flight"
    stop.set()
    for t in threads:
        t.join(timeout=30)
        assert not t.is_alive()
    ok, failed = _check_all_done(futures)
    assert ok > 0
    # Submitters still running at close time were refused with a status, not left hanging.
    for e in refused:
        assert e.code in (StatusCode.SERVER_NOT_READY, StatusCode.MODEL_VERSION_NOT_LOADED_ANYMORE), e
    assert pending_of(server) == []
    print(f"shutdown: {ok} completed, {failed} failed by the stop, {len(refused)} submissions refused")


def test_shutdown_fails_queued_requests(no_server, tmp_path):
    """A burst bigger than the queue, then close: queued requests get InferenceFailed, the others
    their results; close returns after all of them."""
    config = write_config(tmp_path, {"passthrough": {"nireq": 1, "queue_size": 200}})
    server = Server(config, log_level="ERROR")
    # 4 MB per request: each inference (copy in, copy out) takes far longer than a submission,
    # so the queue is full when close() is called.
    x = np.random.default_rng(0).integers(0, 256, size=(2000, 2000), dtype=np.uint8)
    futures = [server.infer_async("passthrough", {"input": x}) for _ in range(200)]
    server.close()
    failed = 0
    for future in futures:
        assert future.done()
        error = future.exception(timeout=0)
        if error is None:
            np.testing.assert_array_equal(future.result()["copy:0"], x)
        else:
            assert isinstance(error, InferenceFailed) and "server stopped" in error.message
            failed += 1
    assert failed > 0, "no request was still queued at close (burst too small?)"
    assert pending_of(server) == []


def test_shutdown_with_slow_done_callbacks(no_server, tmp_path):
    """Done-callbacks that hold the GIL for a while (sleep releases it, busy loops hold it) while
    close() waits: no deadlock."""
    config = write_config(tmp_path, {"dummy": {"nireq": 2}})
    server = Server(config, log_level="ERROR")
    calls = []

    def slow(future):
        end = time.monotonic() + 0.002
        while time.monotonic() < end:
            pass
        calls.append(future)

    futures = []
    for i in range(100):
        future = server.infer_async("dummy", {"b": np.full((1, 10), i, np.float32)})
        future.add_done_callback(slow)
        futures.append((i, future))
    closer = _closer(server)
    closer.join(timeout=30)
    assert not closer.is_alive()
    _check_all_done(futures)
    assert len(calls) == 100


def test_shutdown_with_asyncio_awaiters(no_server, tmp_path):
    config = write_config(tmp_path, {"dummy": {"nireq": 1, "queue_size": 500}})
    server = Server(config, log_level="ERROR")

    async def main():
        loop = asyncio.get_running_loop()
        tasks = [asyncio.ensure_future(server.ainfer("dummy", {"b": np.full((1, 10), i, np.float32)})) for i in range(300)]
        await asyncio.sleep(0)  # let every task submit
        await loop.run_in_executor(None, server.close)
        return await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), timeout=30)

    outcomes = asyncio.run(main())
    assert len(outcomes) == 300
    for i, outcome in enumerate(outcomes):
        if isinstance(outcome, BaseException):
            assert isinstance(outcome, (InferenceFailed, OvmsError)), outcome
        else:
            assert (outcome["a"] == i + 1).all()


def test_context_manager_closes_and_restarts(no_server, tmp_path):
    config = write_config(tmp_path, {"dummy": {}})
    for _ in range(2):
        with Server(config, log_level="ERROR") as server:
            futures = [server.infer_async("dummy", {"b": np.zeros((1, 10), np.float32)}) for _ in range(50)]
        assert server.closed and all(f.done() for f in futures)
