"""Per-request cost of ``Server.infer`` on the dummy model vs OpenVINO's own Python API.

Both run in this process on the same model file and the same input array: ours through
libovms_shared.so (``server.infer("dummy", {"b": x})``), theirs as ``compiled_model({"b": x})``
on a model compiled with the same settings the server uses (CPU, one infer request in flight).
Rounds alternate between the two so drift (frequency scaling, other load) hits both alike; each
round times a batch of calls, and the medians of the per-call times over all rounds are compared.

    .venv/bin/python python/bench_infer.py [--iterations 20000] [--rounds 40]

The last line is machine-readable:
    python: infer_us=<ours> openvino_us=<theirs> ratio=<ours/theirs>
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from ovms_shared import Server  # noqa: E402

REPO = HERE.parent
DUMMY = REPO / "models" / "dummy"


def raw_c_calls(server, x):
    """The C calls Server.infer makes for one request (new request, add input, set data, infer,
    read the one output, delete both), with every argument precomputed: the floor of a ctypes
    binding of this API."""
    import ctypes

    from ovms_shared import load_library

    lib = load_library()
    handle = server._handle
    req, resp, count = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_uint32()
    name, dt, shape, dims = ctypes.c_char_p(), ctypes.c_uint32(), ctypes.c_void_p(), ctypes.c_size_t()
    data, nbytes, btype, dev = ctypes.c_void_p(), ctypes.c_size_t(), ctypes.c_uint32(), ctypes.c_uint32()
    refs = [ctypes.byref(o) for o in (name, dt, shape, dims, data, nbytes, btype, dev)]
    shape_arr = (ctypes.c_int64 * 2)(*x.shape)
    addr = x.ctypes.data
    new, add, set_data = lib.OVMS_InferenceRequestNew, lib.OVMS_InferenceRequestAddInput, lib.OVMS_InferenceRequestInputSetData
    infer, out_count, output = lib.OVMS_Inference, lib.OVMS_InferenceResponseOutputCount, lib.OVMS_InferenceResponseOutput
    req_delete, resp_delete = lib.OVMS_InferenceRequestDelete, lib.OVMS_InferenceResponseDelete
    req_ref, resp_ref, count_ref = ctypes.byref(req), ctypes.byref(resp), ctypes.byref(count)

    def call():
        new(req_ref, handle, b"dummy", 0)
        r = req.value
        add(r, b"b", 2, shape_arr, 2)
        set_data(r, b"b", addr, 40, 0, 0)
        infer(handle, r, resp_ref)
        req_delete(r)
        out_count(resp.value, count_ref)
        output(resp.value, 0, *refs)
        resp_delete(resp.value)

    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=20000, help="calls per side (default 20000)")
    parser.add_argument("--rounds", type=int, default=40, help="interleaved rounds (default 40)")
    parser.add_argument("--warmup", type=int, default=2000, help="untimed calls per side first")
    parser.add_argument("--profile", action="store_true", help="cProfile our side and print the top entries")
    args = parser.parse_args()

    import openvino as ov

    x = np.random.default_rng(0).standard_normal((1, 10)).astype(np.float32)
    inputs = {"b": x}

    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "config.json"
        config.write_text(json.dumps(
            {"model_config_list": [{"config": {"name": "dummy", "base_path": str(DUMMY), "nireq": 1}}]}))
        with Server(config, log_level="ERROR") as server:
            compiled = ov.Core().compile_model(str(DUMMY / "1" / "model.xml"), "CPU")
            ours = lambda: server.infer("dummy", inputs)  # noqa: E731
            theirs = lambda: compiled(inputs)  # noqa: E731
            # For context only (not in the ratio): OpenVINO without its copies, and the same C
            # calls as Server.infer made straight through ctypes without the wrapper.
            request = compiled.create_infer_request()
            ov_shared = lambda: request.infer(inputs, share_inputs=True, share_outputs=True)  # noqa: E731
            raw_c = raw_c_calls(server, x)

            a = ours()["a"]
            b = compiled(inputs)[compiled.output(0)]
            np.testing.assert_array_equal(a, b)

            for _ in range(args.warmup):
                ours()
                theirs()

            if args.profile:
                import cProfile
                import pstats

                prof = cProfile.Profile()
                prof.enable()
                for _ in range(args.iterations):
                    ours()
                prof.disable()
                pstats.Stats(prof).sort_stats("tottime").print_stats(15)

            per_round = max(1, args.iterations // args.rounds)
            times = {"ours": [], "openvino": [], "ov_shared": [], "raw_c": []}
            order = [("ours", ours), ("openvino", theirs), ("ov_shared", ov_shared), ("raw_c", raw_c)]
            for r in range(args.rounds):
                for label, fn in order if r % 2 == 0 else order[::-1]:
                    start = time.perf_counter_ns()
                    for _ in range(per_round):
                        fn()
                    times[label].append((time.perf_counter_ns() - start) / per_round / 1000)

    ours_us = statistics.median(times["ours"])
    ov_us = statistics.median(times["openvino"])
    ratio = ours_us / ov_us
    print(f"model: {DUMMY} (FP32 [1,10] -> +1), {args.rounds} interleaved rounds x {per_round} calls per side")
    print(f"Server.infer                median {ours_us:8.2f} us/request   (min round {min(times['ours']):.2f})")
    print(f"compiled_model(inputs)      median {ov_us:8.2f} us/request   (min round {min(times['openvino']):.2f})")
    print(f"  context: infer_request.infer(share_inputs/outputs=True) median {statistics.median(times['ov_shared']):8.2f} us")
    print(f"  context: the same C calls through bare ctypes        median {statistics.median(times['raw_c']):8.2f} us")
    print(f"ratio {ratio:.3f} (target <= 1.2)")
    print(f"python: infer_us={ours_us:.2f} openvino_us={ov_us:.2f} ratio={ratio:.3f}")


if __name__ == "__main__":
    main()
