"""Synchronous inference: results equal OpenVINO's own Python API, zero-copy inputs and outputs,
response lifetime, preallocated outputs."""

from __future__ import annotations

import gc
import weakref

import numpy as np
import pytest

import ovms_shared
from ovms_shared import _server

RNG = np.random.default_rng(1234)


def randn(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def assert_same(ours: dict, theirs: dict):
    assert sorted(ours) == sorted(theirs)
    for name in theirs:
        assert ours[name].dtype == theirs[name].dtype, name
        assert ours[name].shape == theirs[name].shape, name
        np.testing.assert_array_equal(ours[name], theirs[name], err_msg=name)


def test_dummy_equals_openvino(server, reference):
    for _ in range(5):
        x = randn(1, 10)
        out = server.infer("dummy", {"b": x})
        assert_same(out, reference("dummy", {"b": x}))
        np.testing.assert_array_equal(out["a"], x + 1)


def test_add_equals_openvino(server, reference):
    inputs = {"input1": randn(1, 10), "input2": randn(1, 10)}
    assert_same(server.infer("add", inputs), reference("add", inputs))


def test_increment_4d_equals_openvino(server, reference):
    inputs = {"input": randn(1, 3, 4, 5)}
    assert_same(server.infer("increment", inputs), reference("increment", inputs))


def test_scalar_rank0_equals_openvino(server, reference):
    inputs = {"model_scalar_input": np.array(2.5, np.float32)}
    out = server.infer("scalar", inputs)
    assert out["model_scalar_output"].shape == ()
    assert_same(out, reference("scalar", inputs))


@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (64, 33), (0, 5)])
def test_passthrough_u8_dynamic_equals_openvino(server, reference, shape):
    x = RNG.integers(0, 256, size=shape, dtype=np.uint8)
    out = server.infer("passthrough", {"input": x})
    assert out["copy:0"].dtype == np.uint8
    assert_same(out, reference("passthrough", {"input": x}))


@pytest.mark.parametrize("batch", [1, 2, 5])
def test_dynamic_batch_equals_openvino(server, reference, batch):
    inputs = {"b": randn(batch, 10)}
    assert_same(server.infer("dummy_dyn", inputs), reference("dummy_dyn", inputs))


def test_fail_odd_even_length_equals_openvino(server, reference):
    inputs = {"x": randn(6)}
    out = server.infer("fail_odd", inputs)
    assert out["y"].shape == (2, 3)
    assert_same(out, reference("fail_odd", inputs))


@pytest.mark.parametrize("version", [1, 2, 3])
def test_versions_equal_openvino(server, reference, version):
    inputs = {"b": randn(1, 10)}
    out = server.infer("versioned", inputs, version=version)
    assert_same(out, reference("versioned", inputs, version))
    np.testing.assert_allclose(out["a"], inputs["b"] + version, rtol=1e-6)


def test_version_zero_is_the_highest(server):
    x = randn(1, 10)
    np.testing.assert_array_equal(server.infer("versioned", {"b": x})["a"], server.infer("versioned", {"b": x}, version=3)["a"])
    np.testing.assert_array_equal(server.infer("versioned", {"b": x}, np.int64(2))["a"], server.infer("versioned", {"b": x}, 2)["a"])


# --- zero copy ---------------------------------------------------------------------------------


def spy_set_data(monkeypatch, attr):
    """Records (name, data pointer, size) of each call to the `_server` binding `attr`, one of the
    SetData functions, and still makes the call."""
    seen = []
    real = getattr(_server, attr)

    def spy(request, name, data, size, buffer_type, device):
        seen.append((name, data, size))
        return real(request, name, data, size, buffer_type, device)

    monkeypatch.setattr(_server, attr, spy)
    return seen


@pytest.fixture
def spy_input_pointers(monkeypatch):
    """Records the data pointer passed to OVMS_InferenceRequestInputSetData."""
    return spy_set_data(monkeypatch, "_InputSetData")


def test_contiguous_input_is_passed_by_pointer(server, spy_input_pointers):
    x = randn(1, 10)
    server.infer("dummy", {"b": x})
    assert spy_input_pointers == [(b"b", x.ctypes.data, x.nbytes)]


def test_read_only_input_is_passed_by_pointer(server, spy_input_pointers):
    x = randn(1, 10)
    x.flags.writeable = False
    np.testing.assert_array_equal(server.infer("dummy", {"b": x})["a"], x + 1)
    assert spy_input_pointers == [(b"b", x.ctypes.data, x.nbytes)]


def test_non_contiguous_input_is_copied_once(server, spy_input_pointers, reference):
    base = randn(10, 4)
    x = base.T[:1]  # (1, 10), not C-contiguous
    assert not x.flags.c_contiguous
    out = server.infer("dummy", {"b": x})
    np.testing.assert_array_equal(out["a"], x + 1)
    ((name, pointer, size),) = spy_input_pointers
    assert pointer != x.ctypes.data and size == 40


def test_non_native_byte_order_input_is_converted(server):
    x = randn(1, 10).astype(">f4")
    np.testing.assert_array_equal(server.infer("dummy", {"b": x})["a"], x.astype(np.float32) + 1)


@pytest.fixture
def deleted_responses(monkeypatch):
    """Records OVMS_InferenceResponseDelete calls."""
    deleted = []
    real = _server._ResponseDelete

    def spy(ptr):
        deleted.append(ptr)
        real(ptr)

    monkeypatch.setattr(_server, "_ResponseDelete", spy)
    return deleted


def test_outputs_are_views_of_the_response(server, deleted_responses):
    out = server.infer("add", {"input1": randn(1, 10), "input2": randn(1, 10)})
    arr = out["sum"]
    assert not arr.flags.owndata
    # The array's base chain ends at a ctypes buffer that references the response owner.
    base = arr
    while isinstance(base, np.ndarray):
        base = base.base
    owner = base._ovms_response
    assert isinstance(owner, _server._Response) and owner.ptr
    assert arr.ctypes.data == np.frombuffer(base, np.uint8).ctypes.data
    assert owner.ptr not in deleted_responses


def test_response_lives_until_the_last_array_is_gone(server, deleted_responses):
    out = server.infer("dummy", {"b": randn(1, 10)})
    view = out["a"][0, 2:5]
    expected = view.copy()
    owner_ref = weakref.ref(out["a"].base.base._ovms_response)
    ptr = owner_ref().ptr
    del out
    gc.collect()
    assert ptr not in deleted_responses and owner_ref() is not None
    np.testing.assert_array_equal(view, expected)
    del view
    gc.collect()
    assert deleted_responses.count(ptr) == 1 and owner_ref() is None


def test_output_arrays_are_independent_between_requests(server):
    first = server.infer("dummy", {"b": np.zeros((1, 10), np.float32)})["a"]
    second = server.infer("dummy", {"b": np.ones((1, 10), np.float32)})["a"]
    np.testing.assert_array_equal(first, np.ones((1, 10)))
    np.testing.assert_array_equal(second, np.full((1, 10), 2))
    first[0, 0] = 42  # response memory is ours: writable
    assert second[0, 0] == 2


# --- preallocated outputs ----------------------------------------------------------------------


def test_preallocated_output_is_written_in_place(server, monkeypatch, reference):
    x = randn(1, 10)
    target = np.full((1, 10), -1, np.float32)
    created, deleted = [], []
    real_inference, real_delete = _server._Inference, _server._ResponseDelete

    def inference(server_, request, out):
        status = real_inference(server_, request, out)
        created.append(out._obj.value)
        return status

    monkeypatch.setattr(_server, "_Inference", inference)
    monkeypatch.setattr(_server, "_ResponseDelete", lambda ptr: (deleted.append(ptr), real_delete(ptr)))
    out = server.infer("dummy", {"b": x}, outputs={"a": target})
    assert out["a"] is target
    np.testing.assert_array_equal(target, reference("dummy", {"b": x})["a"])
    # No array references the response: it is freed before infer returns.
    assert len(created) == 1 and created[0] in deleted


def test_preallocated_output_pointer_reaches_the_library(server, monkeypatch):
    seen = spy_set_data(monkeypatch, "_OutputSetData")
    target = np.empty((1, 3, 4, 5), np.float32)
    x = randn(1, 3, 4, 5)
    server.infer("increment", {"input": x}, outputs={"output": target})
    assert seen == [(b"output", target.ctypes.data, target.nbytes)]
    np.testing.assert_array_equal(target, x + 1)


def test_preallocated_output_repeated_and_async(server):
    target = np.empty((1, 10), np.float32)
    for i in range(3):
        server.infer("dummy", {"b": np.full((1, 10), i, np.float32)}, outputs={"a": target})
        np.testing.assert_array_equal(target, np.full((1, 10), i + 1))
    out = server.infer_async("dummy", {"b": np.full((1, 10), 7, np.float32)}, outputs={"a": target}).result(10)
    assert out["a"] is target
    np.testing.assert_array_equal(target, np.full((1, 10), 8))


def test_preallocated_subset_of_outputs_others_are_views(server):
    # `add` has one output; with `versioned` (one output) we check the mixed case on `dummy_dyn`
    # by preallocating nothing vs everything; a mapping with a subset is the mixed case for
    # multi-output models and goes through the same code.
    target = np.empty((2, 10), np.float32)
    out = server.infer("dummy_dyn", {"b": np.ones((2, 10), np.float32)}, outputs={"a": target})
    assert out["a"] is target and (target == 2).all()


# --- dtypes ----------------------------------------------------------------------------------


def test_dtype_mapping():
    from ovms_shared import DataType, datatype_of, dtype_of

    expected = {
        np.float64: DataType.FP64, np.float32: DataType.FP32, np.float16: DataType.FP16,
        np.int64: DataType.I64, np.int32: DataType.I32, np.int16: DataType.I16, np.int8: DataType.I8,
        np.uint64: DataType.U64, np.uint32: DataType.U32, np.uint16: DataType.U16, np.uint8: DataType.U8,
        np.bool_: DataType.BOOL,
    }
    for np_type, code in expected.items():
        assert datatype_of(np_type) == code
        assert dtype_of(code) == np.dtype(np_type)
    assert (DataType.BF16, DataType.STRING) == (0, 22)
    assert dtype_of(DataType.BF16) is None and dtype_of(DataType.STRING) is None
    for bad in (np.complex64, object, "U3", "datetime64[s]"):
        with pytest.raises(TypeError):
            datatype_of(bad)


def test_package_exports():
    for name in ovms_shared.__all__:
        assert hasattr(ovms_shared, name)
