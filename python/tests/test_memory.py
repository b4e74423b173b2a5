"""No memory growth over 10,000 requests: Python allocations (tracemalloc), process RSS, and
the library objects themselves (every request and response created is deleted)."""

from __future__ import annotations

import gc
import os
import tracemalloc

import numpy as np
import pytest

from ovms_shared import _server

N = 10_000
X = np.arange(10, dtype=np.float32).reshape(1, 10)


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def run_sync(server, n):
    for _ in range(n):
        out = server.infer("dummy", {"b": X})
        assert out["a"][0, 9] == 10.0


def run_async(server, n, batch=200):
    for start in range(0, n, batch):
        futures = [server.infer_async("dummy", {"b": X}) for _ in range(min(batch, n - start))]
        for f in futures:
            assert f.result(timeout=30)["a"][0, 9] == 10.0


def run_prealloc(server, n):
    target = np.empty((1, 10), np.float32)
    for _ in range(n):
        server.infer("dummy", {"b": X}, outputs={"a": target})


@pytest.mark.parametrize("mode", [run_sync, run_async, run_prealloc], ids=["sync", "async", "preallocated"])
def test_no_growth_over_10000_requests(server, mode):
    # Warm-up: caches, scratch objects, allocator arenas, and the library's completion threads
    # (for async it adds threads while Python callbacks wait for the GIL; see README).
    mode(server, 3000)
    gc.collect()

    # RSS over 10,000 requests (without tracemalloc, whose own bookkeeping would count).
    rss_before = rss_bytes()
    mode(server, N)
    gc.collect()
    rss_growth = rss_bytes() - rss_before
    # A leaked C response or request per request (>= 200 bytes each) would be >= 2 MB.
    assert rss_growth < 1024 * 1024, f"RSS grew by {rss_growth} bytes over {N} requests"

    # Python allocations over 10,000 more requests.
    tracemalloc.start()
    try:
        mode(server, 200)
        gc.collect()
        before, _ = tracemalloc.get_traced_memory()
        mode(server, N)
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # A leak of one small Python object per request would be >= 500 KB.
    assert after - before < 64 * 1024, f"Python heap grew by {after - before} bytes over {N} requests"


def test_every_request_and_response_is_deleted(server, monkeypatch):
    gc.collect()  # responses of earlier tests' garbage must not be counted
    counts = {"request_new": 0, "request_delete": 0, "response_delete": 0}

    def count(key, real):
        def spy(*args):
            counts[key] += 1
            return real(*args)

        return spy

    monkeypatch.setattr(_server, "_RequestNew", count("request_new", _server._RequestNew))
    monkeypatch.setattr(_server, "_RequestDelete", count("request_delete", _server._RequestDelete))
    monkeypatch.setattr(_server, "_ResponseDelete", count("response_delete", _server._ResponseDelete))
    run_sync(server, 500)
    run_async(server, 500)
    # Failures too: refused, failed in OpenVINO, bad shape.
    for _ in range(50):
        with pytest.raises(Exception):
            server.infer("dummy", {"b": np.zeros((1, 3), np.float32)})
        with pytest.raises(Exception):
            server.infer("fail_odd", {"x": np.zeros(3, np.float32)})
        with pytest.raises(Exception):
            server.infer_async("fail_odd", {"x": np.zeros(3, np.float32)}).result(10)
    gc.collect()
    assert counts["request_new"] == 1150
    assert counts["request_delete"] == counts["request_new"]
    assert counts["response_delete"] == 1000
