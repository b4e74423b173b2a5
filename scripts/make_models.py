#!/usr/bin/env python3
"""Generate the small test models used by the libovms_shared.so tests.

Usage (with the repo venv, no network needed):
    .venv/bin/python scripts/make_models.py [OUT_DIR] [--no-check] [--check-only]

OUT_DIR defaults to <repo>/models.  Every model is written as an OVMS-style
repository folder  OUT_DIR/<name>/<version>/model.{xml,bin|onnx}.  After
generating, every model is read, compiled on CPU and run with sample data
(unless --no-check), printing a one-line summary per model.

Models (name: inputs -> outputs):
  dummy/1        b  f32 [1,10]        -> a  f32 [1,10]   a = b + 1
                 with rt_info as OVMS's dummy has (DUMMY_RT_INFO): MO_version,
                 model_info/resolution/{height,width}, conversion_parameters/
                 data_type, optimization (for OVMS_ServableMetadataInfo)
  dummy_onnx/1   same as dummy, as ONNX (opset 13, IR version 8)
  add/1          input1, input2 f32 [1,10] -> sum f32 [1,10]
  scalar/1       model_scalar_input f32 []  -> model_scalar_output f32 [] (+0)
  passthrough/1  input u8 [?,?]       -> copy:0 u8 [?,?]  (+0, stays u8)
  increment/1    input f32 [1,3,4,5]  -> output f32 [1,3,4,5]  (+1)
  fail_odd/1     x f32 [?]            -> y f32 [2,?]
                 Reshape(x, [2,-1], special_zero=False).  Compiles fine for the
                 dynamic shape, but inference raises inside the OpenVINO CPU
                 plugin when len(x) is odd (e.g. 3): "the shape of input data
                 (3) conflicts with the reshape pattern (2.-1)".  Even lengths
                 (e.g. 4) succeed.
  versioned/1..3 b f32 [1,10]         -> a f32 [1,10]    a = b + version
  dummy_dyn/1    b f32 [?,10]         -> a f32 [?,10]    a = b + 1
  passthrough_string/1
                 my_name string [?]   -> my_name string [?]  identity (as
                 OVMS's test model: a Parameter wired straight to a Result,
                 so input and output are one tensor and share its name)
  broken/1       model.xml is invalid XML text, model.bin is empty, so reading
                 the model fails (for load-failure tests).
  packed_u4/1    x u4 [1,60000]       -> sum f32 [1,1]  (sum of the elements)
  packed_i4/1    x i4 [1,60000]       -> sum f32 [1,1]  (packed sub-byte inputs:
                 OpenVINO holds two elements per byte, OVMS asks for one byte each)
  no_inputs/1    no inputs            -> a f32 [1,10]  (a constant; OVMS refuses
                 to serve a model without inputs)
"""

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np
import onnx
import openvino as ov
import openvino.opset13 as ops
from onnx import TensorProto, helper, numpy_helper

REPO = Path(__file__).resolve().parent.parent

# Broken IR contents: not well-formed XML, so OpenVINO's IR reader rejects it.
BROKEN_XML = b"<net>not a model"


# ---------------------------------------------------------------- helpers


def named(node, name):
    """Give a node a fixed friendly name and output tensor name.

    Explicit names keep the tensor names the tests rely on and also make the
    IR byte-stable (auto-generated names like Add_123 depend on a global
    counter)."""
    node.set_friendly_name(name)
    node.output(0).get_tensor().set_names({name})
    return node


def param(name, shape, et):
    return named(ops.parameter(shape, et, name=name), name)


def const(name, value):
    c = ops.constant(value)
    c.set_friendly_name(name)
    return c


def result(node, name):
    r = ops.result(node)
    r.set_friendly_name(name + "/sink_port_0")
    return r


def add_const(name_in, shape, et, np_dtype, value, name_out, model_name):
    """Model: one input + constant -> one output (the common test pattern)."""
    p = param(name_in, shape, et)
    # A constant of all-1 dims, as OVMS's dummy has ([1,1] for [1,10]): it
    # broadcasts, so a config may reshape the model (e.g. "(1,1:10)", "auto").
    cval = np.full([1] * len(shape), value, dtype=np_dtype)
    s = named(ops.add(p, const(name_out + "/const", cval)), name_out)
    return ov.Model([result(s, name_out)], [p], model_name)


def save_ir(model, path):
    path.parent.mkdir(parents=True, exist_ok=True)
    # compress_to_fp16 defaults to True; tests expect exact f32 weights.
    ov.save_model(model, str(path), compress_to_fp16=False)


# ---------------------------------------------------------------- builders


# rt_info entries of the dummy model (path -> value), like those of OVMS's dummy:
# the IR writes nested paths as nested sections (<model_info><resolution>...).
DUMMY_RT_INFO = [
    (["MO_version"], "2020.1.0-61-gd349c3ba4a"),
    (["model_info", "resolution", "height"], "200"),
    (["model_info", "resolution", "width"], "300"),
    (["conversion_parameters", "data_type"], "float"),
    (["optimization"], ""),
]


def build_dummy():
    m = add_const("b", [1, 10], ov.Type.f32, np.float32, 1.0, "a", "dummy")
    for path, value in DUMMY_RT_INFO:
        m.set_rt_info(value, path)
    return m


def build_dummy_onnx():
    one = numpy_helper.from_array(np.ones((1, 10), dtype=np.float32), "one")
    graph = helper.make_graph(
        [helper.make_node("Add", ["b", "one"], ["a"], name="add")],
        "dummy",
        [helper.make_tensor_value_info("b", TensorProto.FLOAT, [1, 10])],
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [1, 10])],
        initializer=[one],
    )
    m = helper.make_model(
        graph,
        producer_name="make_models.py",
        opset_imports=[helper.make_opsetid("", 13)],
    )
    # Pin a small IR version: the onnx package defaults to its newest IR
    # version, which older readers may reject.
    m.ir_version = 8
    onnx.checker.check_model(m)
    return m


def build_add():
    a = param("input1", [1, 10], ov.Type.f32)
    b = param("input2", [1, 10], ov.Type.f32)
    s = named(ops.add(a, b), "sum")
    return ov.Model([result(s, "sum")], [a, b], "add")


def build_scalar():
    return add_const("model_scalar_input", [], ov.Type.f32, np.float32, 0.0,
                     "model_scalar_output", "scalar")


def build_passthrough():
    # u8 + u8 zero keeps the element type u8 (a Convert would not be needed).
    return add_const("input", [-1, -1], ov.Type.u8, np.uint8, 0,
                     "copy:0", "passthrough")


def build_increment():
    return add_const("input", [1, 3, 4, 5], ov.Type.f32, np.float32, 1.0,
                     "output", "increment")


def build_fail_odd():
    # The input is dynamic, so compile succeeds; the CPU plugin only checks
    # the element count against [2,-1] when it sees real data, so an odd
    # length fails inside infer().
    x = param("x", [-1], ov.Type.f32)
    pattern = const("y/pattern", np.array([2, -1], dtype=np.int64))
    y = named(ops.reshape(x, pattern, special_zero=False), "y")
    return ov.Model([result(y, "y")], [x], "fail_odd")


def build_versioned(v):
    return add_const("b", [1, 10], ov.Type.f32, np.float32, float(v), "a",
                     "versioned")


def build_dummy_dyn():
    return add_const("b", [-1, 10], ov.Type.f32, np.float32, 1.0, "a",
                     "dummy_dyn")


def build_packed(et, name):
    x = param("x", [1, 60000], et)
    total = ops.reduce_sum(ops.convert(x, ov.Type.f32),
                           const("sum/axes", np.array([1], dtype=np.int64)),
                           keep_dims=True)
    return ov.Model([result(named(total, "sum"), "sum")], [x], name)


def build_no_inputs():
    a = named(ops.add(const("a/x", np.zeros((1, 10), np.float32)),
                      const("a/y", np.ones((1, 10), np.float32))), "a")
    return ov.Model([result(a, "a")], [], "no_inputs")


def build_passthrough_string():
    # Parameter -> Result: the Result's tensor is the Parameter's, so the
    # output keeps the name my_name (OVMS's passthrough_string has the same
    # name on both sides).
    p = param("my_name", [-1], ov.Type.string)
    return ov.Model([result(p, "my_name")], [p], "passthrough_string")


# ---------------------------------------------------------------- generate

IR_MODELS = [
    ("dummy", 1, build_dummy),
    ("add", 1, build_add),
    ("scalar", 1, build_scalar),
    ("passthrough", 1, build_passthrough),
    ("increment", 1, build_increment),
    ("fail_odd", 1, build_fail_odd),
    ("versioned", 1, lambda: build_versioned(1)),
    ("versioned", 2, lambda: build_versioned(2)),
    ("versioned", 3, lambda: build_versioned(3)),
    ("dummy_dyn", 1, build_dummy_dyn),
    ("packed_u4", 1, lambda: build_packed(ov.Type.u4, "packed_u4")),
    ("packed_i4", 1, lambda: build_packed(ov.Type.i4, "packed_i4")),
    ("no_inputs", 1, build_no_inputs),
    ("passthrough_string", 1, build_passthrough_string),
]

ALL_NAMES = sorted({n for n, _, _ in IR_MODELS} | {"dummy_onnx", "broken"})


def generate(out):
    # Start each model folder from scratch so no stale versions linger.
    for name in ALL_NAMES:
        shutil.rmtree(out / name, ignore_errors=True)
    for name, ver, build in IR_MODELS:
        save_ir(build(), out / name / str(ver) / "model.xml")
    onnx_path = out / "dummy_onnx" / "1" / "model.onnx"
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(build_dummy_onnx(), str(onnx_path))
    broken = out / "broken" / "1"
    broken.mkdir(parents=True, exist_ok=True)
    (broken / "model.xml").write_bytes(BROKEN_XML)
    (broken / "model.bin").write_bytes(b"")


# ---------------------------------------------------------------- check


def port_desc(p):
    return f"{p.get_any_name()}:{p.get_element_type().get_type_name()}{p.get_partial_shape()}"


def check_ports(model, ins, outs):
    """ins/outs: list of (name, ov.Type, PartialShape string)."""
    for ports, exp in ((model.inputs, ins), (model.outputs, outs)):
        got = [(p.get_names(), p.get_element_type(), str(p.get_partial_shape()))
               for p in ports]
        want = [({n}, t, s) for n, t, s in exp]
        assert got == want, f"ports {got} != {want}"


def run(compiled, feeds):
    req = compiled.create_infer_request()
    res = req.infer(feeds)
    return {o.get_any_name(): v for o, v in res.items()}


def check(out):
    core = ov.Core()
    f32, u8 = ov.Type.f32, ov.Type.u8
    rng = np.random.default_rng(0)
    b = rng.standard_normal((1, 10)).astype(np.float32)

    def load(rel, ins, outs):
        path = out / rel
        m = core.read_model(str(path))
        check_ports(m, ins, outs)
        for f in path.parent.iterdir():
            assert f.stat().st_size < 8192, f"{f} is too big"
        return m, core.compile_model(m, "CPU")

    def ok(rel, m, note):
        ins = ", ".join(port_desc(p) for p in m.inputs)
        outs = ", ".join(port_desc(p) for p in m.outputs)
        print(f"OK  {rel:28s} {ins} -> {outs}  {note}")

    # dummy / dummy_onnx / versioned / dummy_dyn: a = b + k
    for rel, k, shape in [("dummy/1/model.xml", 1, "[1,10]"),
                          ("dummy_onnx/1/model.onnx", 1, "[1,10]"),
                          ("versioned/1/model.xml", 1, "[1,10]"),
                          ("versioned/2/model.xml", 2, "[1,10]"),
                          ("versioned/3/model.xml", 3, "[1,10]"),
                          ("dummy_dyn/1/model.xml", 1, "[?,10]")]:
        m, c = load(rel, [("b", f32, shape)], [("a", f32, shape)])
        data = b if shape == "[1,10]" else np.tile(b, (3, 1))
        r = run(c, {"b": data})["a"]
        assert r.dtype == np.float32 and np.array_equal(r, data + k), rel
        ok(rel, m, f"a == b + {k} for batch {data.shape[0]}")

    m = core.read_model(str(out / "dummy/1/model.xml"))
    for path, value in DUMMY_RT_INFO:
        got = m.get_rt_info(path).astype(str)
        assert got == value, f"dummy rt_info {path}: {got!r} != {value!r}"
    print(f"OK  {'dummy/1/model.xml':28s} rt_info: "
          + ", ".join("/".join(p) for p, _ in DUMMY_RT_INFO))

    rel = "add/1/model.xml"
    m, c = load(rel, [("input1", f32, "[1,10]"), ("input2", f32, "[1,10]")],
                [("sum", f32, "[1,10]")])
    b2 = rng.standard_normal((1, 10)).astype(np.float32)
    assert np.array_equal(run(c, {"input1": b, "input2": b2})["sum"], b + b2)
    ok(rel, m, "sum == input1 + input2")

    rel = "scalar/1/model.xml"
    m, c = load(rel, [("model_scalar_input", f32, "[]")],
                [("model_scalar_output", f32, "[]")])
    r = run(c, {"model_scalar_input": np.array(3.5, dtype=np.float32)})
    r = r["model_scalar_output"]
    assert r.shape == () and r == np.float32(3.5), r
    ok(rel, m, "3.5 -> 3.5")

    rel = "passthrough/1/model.xml"
    m, c = load(rel, [("input", u8, "[?,?]")], [("copy:0", u8, "[?,?]")])
    d = np.arange(6, dtype=np.uint8).reshape(2, 3) * 40
    r = run(c, {"input": d})["copy:0"]
    assert r.dtype == np.uint8 and np.array_equal(r, d), r
    ok(rel, m, "u8 [2,3] copied")

    rel = "passthrough_string/1/model.xml"
    m, c = load(rel, [("my_name", ov.Type.string, "[?]")],
                [("my_name", ov.Type.string, "[?]")])
    words = ["Pan", "a string longer than fifteen bytes"]
    r = run(c, {"my_name": ov.Tensor(np.array(words))})["my_name"]
    assert list(r) == words, r
    ok(rel, m, "strings [2] copied (short and long)")

    rel = "increment/1/model.xml"
    m, c = load(rel, [("input", f32, "[1,3,4,5]")],
                [("output", f32, "[1,3,4,5]")])
    d = rng.standard_normal((1, 3, 4, 5)).astype(np.float32)
    assert np.array_equal(run(c, {"input": d})["output"], d + 1)
    ok(rel, m, "output == input + 1")

    rel = "fail_odd/1/model.xml"
    m, c = load(rel, [("x", f32, "[?]")], [("y", f32, "[2,?]")])
    d = np.arange(4, dtype=np.float32)
    assert np.array_equal(run(c, {"x": d})["y"], d.reshape(2, 2))
    try:
        run(c, {"x": np.arange(3, dtype=np.float32)})
    except RuntimeError as e:
        msg = [ln for ln in str(e).splitlines() if "conflicts" in ln]
        err = msg[0].strip() if msg else str(e).splitlines()[-1]
    else:
        raise AssertionError("fail_odd: odd-length inference did not fail")
    ok(rel, m, f"len 4 ok; len 3 fails at infer: {err!r}")

    for rel, et in [("packed_u4/1/model.xml", ov.Type.u4),
                    ("packed_i4/1/model.xml", ov.Type.i4)]:
        m, c = load(rel, [("x", et, "[1,60000]")], [("sum", f32, "[1,1]")])
        req = c.create_infer_request()
        packed = req.get_input_tensor(0)
        assert packed.byte_size == 30000, packed.byte_size  # two elements per byte
        packed.data.view(np.uint8)[...] = 0x11
        req.infer()
        total = req.get_output_tensor(0).data[0, 0]
        assert total == 60000, (rel, total)
        ok(rel, m, "bytes of 0x11 -> 60000 ones")

    rel = "no_inputs/1/model.xml"
    m, c = load(rel, [], [("a", f32, "[1,10]")])
    assert np.array_equal(run(c, {})["a"], np.ones((1, 10), np.float32))
    ok(rel, m, "a == 1 with no inputs")

    rel = "broken/1/model.xml"
    try:
        core.read_model(str(out / rel))
    except RuntimeError as e:
        err = str(e).strip().splitlines()[-1]
    else:
        raise AssertionError("broken model was read successfully")
    print(f"OK  {rel:28s} read_model fails: {err!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", default=str(REPO / "models"),
                    help="output directory (default: <repo>/models)")
    ap.add_argument("--no-check", action="store_true",
                    help="only generate, skip the OpenVINO verification")
    ap.add_argument("--check-only", action="store_true",
                    help="only verify existing models")
    args = ap.parse_args()
    out = Path(args.out).resolve()
    if not args.check_only:
        generate(out)
        print(f"models written to {out}")
    if not args.no_check:
        check(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
