"""The KServe v2 gRPC front end, through real clients over loopback: tritonclient's gRPC and
asyncio clients, KServe's InferenceGRPCClient, and tritonclient's generated stub for messages
the clients do not build (typed contents beside raw ones, streaming). Results are compared with
OpenVINO's own Python API on the same model files; every error is checked for its gRPC code and
OVMS's message, and the server is checked to serve on after it."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time

import grpc
import numpy as np
import pytest

# scripts/setup.sh installs the clients; a missing one is a failure, not a skip.
import tritonclient.grpc as tritonclient_grpc  # noqa: E402
import tritonclient.grpc.aio as triton_aio  # noqa: E402
from tritonclient.grpc import InferenceServerException, InferInput  # noqa: E402
from tritonclient.grpc import service_pb2 as pb  # noqa: E402
from tritonclient.grpc import service_pb2_grpc as pb_grpc  # noqa: E402

import conftest  # noqa: E402
from ovms_shared import Server  # noqa: E402

MODELS = {
    "dummy": {},
    "dummy_dyn": {},
    "add": {},
    "scalar": {},
    "passthrough_string": {},
    "versioned": {"model_version_policy": {"all": {}}},
    "fail_odd": {},
}

RNG = np.random.default_rng(7)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def grpc_server(tmp_path_factory):
    """A server with the gRPC front end on a free loopback port, and its address."""
    # The library's server is a process singleton: the shared one (no ports) goes first.
    if conftest._Shared.server is not None:
        conftest._Shared.server.close()
        conftest._Shared.server = None
    config = conftest.write_config(tmp_path_factory.mktemp("grpc"), MODELS)
    port = free_port()
    server = Server(config, grpc_port=port, grpc_bind_address="127.0.0.1", log_level="ERROR")
    yield server, f"127.0.0.1:{port}"
    server.close()


@pytest.fixture(scope="module")
def address(grpc_server):
    return grpc_server[1]


@pytest.fixture(scope="module")
def client(address):
    with tritonclient_grpc.InferenceServerClient(address) as c:
        yield c


@pytest.fixture(scope="module")
def stub(address):
    with grpc.insecure_channel(address) as channel:
        yield pb_grpc.GRPCInferenceServiceStub(channel)


def triton_input(name: str, array: np.ndarray, datatype: str | None = None) -> InferInput:
    tensor = InferInput(name, list(array.shape), datatype or tritonclient_grpc.np_to_triton_dtype(array.dtype))
    tensor.set_data_from_numpy(array)
    return tensor


def rejected(call) -> InferenceServerException:
    with pytest.raises(InferenceServerException) as info:
        call()
    return info.value


def assert_dummy_serves(client):
    x = RNG.standard_normal((1, 10)).astype(np.float32)
    np.testing.assert_array_equal(client.infer("dummy", [triton_input("b", x)]).as_numpy("a"), x + 1)


# ---------------------------------------------------------------------------------------------
# Health and metadata


def test_live_ready_and_server_metadata(client):
    assert client.is_server_live() is True
    assert client.is_server_ready() is True
    metadata = client.get_server_metadata()
    assert metadata.name == "OpenVINO Model Server"
    assert metadata.version.startswith("2026.3.0.")
    assert list(metadata.extensions) == []


def test_model_metadata(client):
    expected = {
        "dummy": ([("b", "FP32", [1, 10])], [("a", "FP32", [1, 10])]),
        "dummy_dyn": ([("b", "FP32", [-1, 10])], [("a", "FP32", [-1, 10])]),
        "add": ([("input1", "FP32", [1, 10]), ("input2", "FP32", [1, 10])], [("sum", "FP32", [1, 10])]),
        "scalar": ([("model_scalar_input", "FP32", [])], [("model_scalar_output", "FP32", [])]),
        "passthrough_string": ([("my_name", "BYTES", [-1])], [("my_name", "BYTES", [-1])]),
    }
    for name, (inputs, outputs) in expected.items():
        metadata = client.get_model_metadata(name)
        assert metadata.name == name and metadata.platform == "OpenVINO"
        assert list(metadata.versions) == ["1"]
        assert [(t.name, t.datatype, list(t.shape)) for t in metadata.inputs] == inputs, name
        assert [(t.name, t.datatype, list(t.shape)) for t in metadata.outputs] == outputs, name
    # Every available version is listed, whichever is described.
    assert list(client.get_model_metadata("versioned").versions) == ["1", "2", "3"]
    assert list(client.get_model_metadata("versioned", "2").versions) == ["1", "2", "3"]


def test_model_ready(client):
    assert client.is_model_ready("dummy") is True
    assert client.is_model_ready("versioned", "2") is True


def test_metadata_and_ready_errors(client):
    for call in (client.get_model_metadata, client.is_model_ready):
        error = rejected(lambda: call("no_such_model"))
        assert error.status() == "StatusCode.NOT_FOUND"
        assert error.message().startswith("Model with requested name is not found")
        error = rejected(lambda: call("versioned", "7"))
        assert error.status() == "StatusCode.NOT_FOUND"
        assert error.message().startswith("Model with requested version is not found")
        error = rejected(lambda: call("versioned", "v2"))
        assert error.status() == "StatusCode.INVALID_ARGUMENT"
        assert error.message().startswith("invalid model version format in request")
    assert client.is_model_ready("dummy") is True


# ---------------------------------------------------------------------------------------------
# Inference


def test_infer_dummy_matches_openvino(client, reference):
    x = RNG.standard_normal((1, 10)).astype(np.float32)
    result = client.infer("dummy", [triton_input("b", x)], request_id="req-42")
    response = result.get_response()
    assert (response.model_name, response.model_version, response.id) == ("dummy", "1", "req-42")
    assert [(o.name, o.datatype, list(o.shape)) for o in response.outputs] == [("a", "FP32", [1, 10])]
    assert len(response.raw_output_contents) == 1
    np.testing.assert_array_equal(result.as_numpy("a"), reference("dummy", {"b": x})["a"])


def test_infer_dynamic_shape(client, reference):
    for batch in (1, 3, 8):
        x = RNG.standard_normal((batch, 10)).astype(np.float32)
        result = client.infer("dummy_dyn", [triton_input("b", x)])
        assert list(result.get_output("a").shape) == [batch, 10]
        np.testing.assert_array_equal(result.as_numpy("a"), reference("dummy_dyn", {"b": x})["a"])


def test_infer_larger_than_grpc_default_limit(client):
    # 6 MB each way: past gRPC's usual 4 MiB limit.
    x = RNG.standard_normal((150_000, 10)).astype(np.float32)
    np.testing.assert_array_equal(client.infer("dummy_dyn", [triton_input("b", x)]).as_numpy("a"), x + 1)


def test_infer_multi_input(client, reference):
    x1 = RNG.standard_normal((1, 10)).astype(np.float32)
    x2 = RNG.standard_normal((1, 10)).astype(np.float32)
    result = client.infer("add", [triton_input("input2", x2), triton_input("input1", x1)])
    np.testing.assert_array_equal(result.as_numpy("sum"), reference("add", {"input1": x1, "input2": x2})["sum"])


def test_infer_scalar(client, reference):
    x = np.array(2.5, dtype=np.float32)
    result = client.infer("scalar", [triton_input("model_scalar_input", x)])
    assert list(result.get_output("model_scalar_output").shape) == []
    expected = reference("scalar", {"model_scalar_input": x})["model_scalar_output"]
    np.testing.assert_array_equal(result.as_numpy("model_scalar_output"), expected)


def test_infer_versions(client, reference):
    x = RNG.standard_normal((1, 10)).astype(np.float32)
    for version in ("1", "3"):
        result = client.infer("versioned", [triton_input("b", x)], model_version=version)
        assert result.get_response().model_version == version
        expected = reference("versioned", {"b": x}, version=int(version))["a"]
        np.testing.assert_array_equal(result.as_numpy("a"), expected)
    assert client.infer("versioned", [triton_input("b", x)]).get_response().model_version == "3"


def test_infer_bytes(client):
    strings = np.array([b"hello", b"", "za\u017c\u00f3\u0142\u0107".encode(), b"x" * 1000], dtype=np.object_)
    result = client.infer("passthrough_string", [triton_input("my_name", strings, "BYTES")])
    output = result.get_output("my_name")
    assert (output.datatype, list(output.shape)) == ("BYTES", [4])
    assert list(result.as_numpy("my_name")) == list(strings)


def test_typed_contents(stub):
    x = RNG.standard_normal(10).astype(np.float32)
    request = pb.ModelInferRequest(model_name="dummy", id="typed")
    request.inputs.add(name="b", datatype="FP32", shape=[1, 10]).contents.fp32_contents.extend(x.tolist())
    response = stub.ModelInfer(request)
    assert response.id == "typed" and response.model_version == "1"
    np.testing.assert_array_equal(np.frombuffer(response.raw_output_contents[0], np.float32), x + 1)
    request = pb.ModelInferRequest(model_name="passthrough_string")
    request.inputs.add(name="my_name", datatype="BYTES", shape=[2]).contents.bytes_contents.extend([b"ab", b"c"])
    response = stub.ModelInfer(request)
    assert response.raw_output_contents[0] == b"\x02\x00\x00\x00ab\x01\x00\x00\x00c"


def test_asyncio_client(address, reference):
    inputs = [RNG.standard_normal((1, 10)).astype(np.float32) for _ in range(16)]

    async def run():
        async with triton_aio.InferenceServerClient(address) as c:
            assert await c.is_server_ready()
            assert await c.is_model_ready("dummy")
            metadata = await c.get_model_metadata("dummy")
            assert metadata.inputs[0].name == "b"
            results = await asyncio.gather(*(c.infer("dummy", [triton_input("b", x)]) for x in inputs))
            return [r.as_numpy("a") for r in results]

    for x, y in zip(inputs, asyncio.run(asyncio.wait_for(run(), 60))):
        np.testing.assert_array_equal(y, reference("dummy", {"b": x})["a"])


# KServe's client and tritonclient both register the `inference` proto package in protobuf's
# default pool, so one process cannot import both: KServe's client runs in its own.
KSERVE_CLIENT = r"""
import asyncio, json, sys
import numpy as np
from kserve import InferenceGRPCClient, InferInput, InferRequest

async def main(address):
    client = InferenceGRPCClient(address, timeout=30, retries=0)
    out = {"live": await client.is_server_live(), "ready": await client.is_server_ready(),
           "model_ready": await client.is_model_ready("dummy")}
    x = np.arange(10, dtype=np.float32).reshape(1, 10)
    raw = InferInput("b", [1, 10], "FP32"); raw.set_data_from_numpy(x)
    response = await client.infer(InferRequest("dummy", [raw], request_id="k1"))
    out["raw"] = [response.id, response.model_version, response.outputs[0].as_numpy().tolist()]
    typed = InferInput("b", [1, 10], "FP32", data=[float(v) for v in range(10)])
    out["typed"] = (await client.infer(InferRequest("dummy", [typed]))).outputs[0].as_numpy().tolist()
    short = InferInput("b", [1, 10], "FP32", data=[0.0] * 9)
    try:
        await client.infer(InferRequest("dummy", [short]))
        out["short"] = None
    except Exception as e:
        out["short"] = [str(e.code()), e.details()]
    await client.close()
    print(json.dumps(out))

asyncio.run(main(sys.argv[1]))
"""


def test_kserve_client(address):
    done = subprocess.run([sys.executable, "-c", KSERVE_CLIENT, address], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["live"] is True and out["ready"] is True and out["model_ready"] is True
    expected = (np.arange(10, dtype=np.float32) + 1).reshape(1, 10).tolist()
    assert out["raw"] == ["k1", "1", expected]
    assert out["typed"] == expected
    assert out["short"] == [
        "StatusCode.INVALID_ARGUMENT",
        "Invalid number of values in tensor proto container - Expected: 10 values; Actual: 9 values; input name: b",
    ]


# ---------------------------------------------------------------------------------------------
# Bad requests: OVMS's code and message, and the server serves on


def test_unknown_model_and_version(client):
    x = np.zeros((1, 10), np.float32)
    error = rejected(lambda: client.infer("no_such_model", [triton_input("b", x)]))
    assert error.status() == "StatusCode.NOT_FOUND"
    assert error.message().startswith("Pipeline with requested name is not found")
    error = rejected(lambda: client.infer("versioned", [triton_input("b", x)], model_version="9"))
    assert error.status() == "StatusCode.NOT_FOUND"
    assert error.message().startswith("Model with requested version is not found")
    error = rejected(lambda: client.infer("dummy", [triton_input("b", x)], model_version="01"))
    assert error.status() == "StatusCode.INVALID_ARGUMENT"
    assert error.message().startswith("invalid model version format in request")
    assert_dummy_serves(client)


def test_wrong_datatype_shape_and_name(client):
    # The precision's text is the core's (OVMS's KServe front end names the request's type
    # INT32 there, its C API I32); the rest is OVMS's message to the letter.
    cases = [
        (np.zeros((1, 10), np.int32), "b", "Invalid input precision - Expected: FP32; Actual: I32; input name: b"),
        (np.zeros((1, 9), np.float32), "b", "Invalid input shape - Expected: (1,10); Actual: (1,9); input name: b"),
        (np.zeros(10, np.float32), "b", "Invalid number of shape dimensions - Expected: (1,10); Actual: (10); input name: b"),
        (np.zeros((1, 10), np.float32), "c", "Missing input with specific name - Required input: b"),
    ]
    for array, name, message in cases:
        error = rejected(lambda: client.infer("dummy", [triton_input(name, array)]))
        assert error.status() == "StatusCode.INVALID_ARGUMENT", message
        assert error.message() == message
    error = rejected(lambda: client.infer("add", [triton_input("input1", np.zeros((1, 10), np.float32))]))
    assert error.status() == "StatusCode.INVALID_ARGUMENT"
    assert error.message().startswith("Invalid number of inputs - Expected: 2; Actual: 1")
    assert_dummy_serves(client)


def test_the_async_and_the_inline_path_answer_alike(grpc_server, client):
    # A version's first request takes the async path (its inference time is unknown); once its
    # inferences prove quick, requests run inline on the network thread. fail_odd fails inside
    # OpenVINO on an odd length: the failure and the successes must read the same on both.
    server, _ = grpc_server
    odd = triton_input("x", np.ones(3, np.float32))
    first = rejected(lambda: client.infer("fail_odd", [odd]))
    for k in range(20):
        x = np.arange(k, k + 4, dtype=np.float32)
        answer = client.infer("fail_odd", [triton_input("x", x)]).as_numpy("y")
        np.testing.assert_array_equal(answer, x.reshape(2, -1))
    later = rejected(lambda: client.infer("fail_odd", [odd]))
    assert first.status() == later.status() == "StatusCode.INTERNAL"
    prefix = "Internal inference error"
    assert first.message().startswith(prefix) and later.message().startswith(prefix), later.message()
    slots, idle, queued = server.slots("fail_odd")
    assert (idle, queued) == (slots, 0), "a failed inference kept its slot"


def test_raw_contents_of_the_wrong_size(client):
    tensor = triton_input("b", np.zeros((1, 9), np.float32))
    tensor.set_shape([1, 10])
    error = rejected(lambda: client.infer("dummy", [tensor]))
    assert error.status() == "StatusCode.INVALID_ARGUMENT"
    assert error.message() == "Invalid content size of tensor proto - Expected: 40 bytes; Actual: 36 bytes; input name: b"
    # BYTES: the 4-byte lengths must cover the blob exactly, and count the shape's elements.
    strings = triton_input("my_name", np.array([b"ab", b"c"], dtype=np.object_), "BYTES")
    strings.set_shape([3])
    error = rejected(lambda: client.infer("passthrough_string", [strings]))
    assert error.status() == "StatusCode.INVALID_ARGUMENT"
    assert error.message() == "Invalid number of values in tensor proto container - Expected: 3 values; Actual: 2 values; input name: my_name"
    assert_dummy_serves(client)


def test_malformed_raw_bytes(stub):
    request = pb.ModelInferRequest(model_name="passthrough_string")
    request.inputs.add(name="my_name", datatype="BYTES", shape=[1])
    request.raw_input_contents.append(b"\x09\x00\x00\x00short")
    with pytest.raises(grpc.RpcError) as info:
        stub.ModelInfer(request)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert info.value.details().startswith("Inputs inside buffer does not match expected format.")


def test_typed_contents_of_the_wrong_count(stub, client):
    request = pb.ModelInferRequest(model_name="dummy")
    request.inputs.add(name="b", datatype="FP32", shape=[1, 10]).contents.fp32_contents.extend([1.0] * 11)
    with pytest.raises(grpc.RpcError) as info:
        stub.ModelInfer(request)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert info.value.details() == "Invalid number of values in tensor proto container - Expected: 10 values; Actual: 11 values; input name: b"
    # FP32 values in the wrong field count as none.
    request = pb.ModelInferRequest(model_name="dummy")
    request.inputs.add(name="b", datatype="FP32", shape=[1, 10]).contents.fp64_contents.extend([1.0] * 10)
    with pytest.raises(grpc.RpcError) as info:
        stub.ModelInfer(request)
    assert info.value.details().endswith("Expected: 10 values; Actual: 0 values; input name: b")
    assert_dummy_serves(client)


def test_raw_and_typed_contents_together(stub, client):
    both = pb.ModelInferRequest(model_name="add")
    both.inputs.add(name="input1", datatype="FP32", shape=[1, 10])
    both.inputs.add(name="input2", datatype="FP32", shape=[1, 10]).contents.fp32_contents.extend([0.0] * 10)
    both.raw_input_contents.extend([bytes(40), bytes(40)])
    short = pb.ModelInferRequest(model_name="add")
    short.inputs.add(name="input1", datatype="FP32", shape=[1, 10])
    short.inputs.add(name="input2", datatype="FP32", shape=[1, 10])
    short.raw_input_contents.append(bytes(40))
    ovms_message = (
        "Passing buffers both in ModelInferRequest::InferInputTensor::contents and in "
        "ModelInferRequest::raw_input_contents is not allowed - "
    )
    cases = [
        (
            both,
            ovms_message + "Passing buffers both in InferInputTensor contents and in raw_input_contents is not "
            "allowed. Detected buffer in InferInputTensor contents for input: input2",
        ),
        (short, ovms_message + "Size of raw_input_contents: 1 is different than number of inputs: 2"),
    ]
    for request, message in cases:
        with pytest.raises(grpc.RpcError) as info:
            stub.ModelInfer(request)
        assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert info.value.details() == message
    assert_dummy_serves(client)


def test_stream_infer_and_unknown_methods_are_unimplemented(stub, client):
    with pytest.raises(grpc.RpcError) as info:
        list(stub.ModelStreamInfer(iter([pb.ModelInferRequest(model_name="dummy")]), timeout=30))
    assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED
    # Triton's ModelConfig is not KServe's: UNIMPLEMENTED with no message, which perf_analyzer
    # takes as "no config" and goes on.
    error = rejected(lambda: client.get_model_config("dummy"))
    assert error.status() == "StatusCode.UNIMPLEMENTED"
    assert error.message() == ""
    assert_dummy_serves(client)


def test_close_with_a_client_connected(grpc_server, client):
    """Last in the module: closing the server while a client holds its connection is prompt,
    and the port then refuses."""
    assert_dummy_serves(client)
    started = time.monotonic()
    grpc_server[0].close()
    assert time.monotonic() - started < 5
    error = rejected(lambda: client.is_server_live())
    assert error.status() == "StatusCode.UNAVAILABLE"

