"""Pipelines over the network front ends, through real clients over loopback: tritonclient's gRPC
and HTTP clients (sync and asyncio), KServe's gRPC client (in a child process: kserve and
tritonclient cannot share one) and raw HTTP. One server serves the dummy model, fail_odd, a
two-node dummy chain (b + 2), a demultiplexing entry, a custom-node pipeline (libadd_sub.so,
compiled here from custom_nodes/), a pipeline over fail_odd and one whose model is missing.
Checked as OVMS answers for a pipeline: readiness and metadata (version "1", the version asked
for not looked at), inference values, codes and messages of bad requests, a node failure, a
pipeline not loaded yet and one retired, and the `ovms_requests_*` counters of its name."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import subprocess
import sys
import urllib.request

import grpc
import numpy as np
import pytest

import tritonclient.grpc as triton_grpc  # noqa: E402
import tritonclient.grpc.aio as triton_grpc_aio  # noqa: E402
import tritonclient.http as triton_http  # noqa: E402
import tritonclient.http.aio as triton_http_aio  # noqa: E402
from tritonclient.grpc import service_pb2 as pb  # noqa: E402
from tritonclient.grpc import service_pb2_grpc as pb_grpc  # noqa: E402
from tritonclient.utils import InferenceServerException  # noqa: E402

import conftest  # noqa: E402
from ovms_shared import OvmsError, Server  # noqa: E402

RNG = np.random.default_rng(12)


def node(name, model, source, item, alias, input_name="b"):
    return {
        "name": name, "type": "DL model", "model_name": model,
        "inputs": [{input_name: {"node_name": source, "data_item": item}}],
        "outputs": [{"data_item": alias[0], "alias": alias[1]}],
    }


def pipelines(include_chain: bool = True) -> list[dict]:
    chosen = [
        {
            "name": "odd_fails", "inputs": ["x"],
            "nodes": [node("reshape", "fail_odd", "request", "x", ("y", "y"), input_name="x")],
            "outputs": [{"y": {"node_name": "reshape", "data_item": "y"}}],
        },
        {
            "name": "dummy_add_sub", "inputs": ["b"],
            "nodes": [
                node("dummyNode", "dummy", "request", "b", ("a", "plus_one")),
                {"name": "affine", "type": "custom", "library_name": "add_sub",
                 "params": {"multiply": "2", "add": "3"},
                 "inputs": [{"input_numbers": {"node_name": "dummyNode", "data_item": "plus_one"}}],
                 "outputs": [{"data_item": "output_numbers", "alias": "result"}]},
            ],
            "outputs": [{"out": {"node_name": "affine", "data_item": "result"}}],
        },
        {
            # OVMS's DynamicEntryDummyDag: the request's first dimension is split into shards.
            "name": "dynamic_entry", "inputs": ["b"], "demultiply_count": 0,
            "nodes": [node("dummyNode", "dummy", "request", "b", ("a", "a"))],
            "outputs": [{"a": {"node_name": "dummyNode", "data_item": "a"}}],
        },
        {
            "name": "missing_model", "inputs": ["b"],
            "nodes": [node("ghost", "no_such_model", "request", "b", ("a", "a"))],
            "outputs": [{"a": {"node_name": "ghost", "data_item": "a"}}],
        },
    ]
    if include_chain:
        chosen.insert(0, {
            "name": "dummy_chain", "inputs": ["b"],
            "nodes": [
                node("first", "dummy", "request", "b", ("a", "once")),
                node("second", "dummy", "first", "once", ("a", "twice")),
            ],
            "outputs": [{"a": {"node_name": "second", "data_item": "twice"}}],
        })
    return chosen


def write_config(directory, library, include_chain=True):
    config = {
        "model_config_list": [
            {"config": {"name": m, "base_path": str(conftest.MODELS / m)}} for m in ("dummy", "fail_odd")
        ],
        "custom_node_library_config_list": [{"name": "add_sub", "base_path": str(library)}],
        "pipeline_config_list": pipelines(include_chain),
        "monitoring": {"metrics": {"enable": True, "metrics_list": [
            "ovms_requests_success", "ovms_requests_fail", "ovms_request_time_us", "ovms_inference_time_us", "ovms_streams",
        ]}},
    }
    path = directory / "config.json"
    path.write_text(json.dumps(config))
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Served:
    def __init__(self, server, directory, library, grpc_port, rest_port):
        self.server, self.directory, self.library = server, directory, library
        self.grpc, self.rest = f"127.0.0.1:{grpc_port}", f"127.0.0.1:{rest_port}"
        self.rest_port = rest_port


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    # The C API's server is a process singleton: the shared one goes first.
    if conftest._Shared.server is not None:
        conftest._Shared.server.close()
        conftest._Shared.server = None
    directory = tmp_path_factory.mktemp("pipelines_network")
    library = directory / "libadd_sub.so"
    source = conftest.REPO / "custom_nodes" / "add_sub" / "add_sub.c"
    subprocess.run(
        ["cc", "-shared", "-fPIC", "-O2", "-I", str(conftest.REPO / "custom_nodes"), str(source), "-o", str(library)],
        check=True, timeout=120,
    )
    config = write_config(directory, library)
    grpc_port, rest_port = free_port(), free_port()
    server = Server(
        config, grpc_port=grpc_port, grpc_bind_address="127.0.0.1", rest_port=rest_port,
        rest_bind_address="127.0.0.1", log_level="ERROR", file_system_poll_wait_seconds=0,
    )
    yield Served(server, directory, library, grpc_port, rest_port)
    server.close()


@pytest.fixture(scope="module")
def grpc_client(served):
    with triton_grpc.InferenceServerClient(served.grpc) as client:
        yield client


@pytest.fixture(scope="module")
def http_client(served):
    client = triton_http.InferenceServerClient(served.rest)
    yield client
    client.close()


def rest(served, method, path, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", served.rest_port, timeout=30)
    try:
        connection.request(method, path, body=body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def grpc_input(name, array, module=triton_grpc):
    i = module.InferInput(name, list(array.shape), "FP32")
    i.set_data_from_numpy(array)
    return i


def http_input(name, array, binary=True, module=triton_http):
    i = module.InferInput(name, list(array.shape), "FP32")
    i.set_data_from_numpy(array, binary_data=binary)
    return i


def grpc_error(call) -> InferenceServerException:
    with pytest.raises(InferenceServerException) as caught:
        call()
    return caught.value


def assert_chain_serves(grpc_client):
    x = RNG.standard_normal((1, 10), dtype=np.float32)
    result = grpc_client.infer("dummy_chain", [grpc_input("b", x)])
    np.testing.assert_allclose(result.as_numpy("a"), x + 2, rtol=1e-6)


# ---------------------------------------------------------------- readiness and metadata


def test_readiness_ignores_the_version(served, grpc_client):
    assert grpc_client.is_model_ready("dummy_chain")
    assert grpc_client.is_model_ready("dummy_chain", model_version="7")
    # A pipeline that does not validate is not ready; OVMS answers false, not an error.
    assert not grpc_client.is_model_ready("missing_model")
    assert rest(served, "GET", "/v2/models/dummy_chain/ready") == (200, b"")
    assert rest(served, "GET", "/v2/models/dummy_chain/versions/3/ready") == (200, b"")
    status, body = rest(served, "GET", "/v2/models/missing_model/ready")
    assert (status, json.loads(body)) == (404, {"error": "Model with requested version is not loaded yet"})


def test_metadata_over_grpc_and_rest(served, grpc_client):
    tensor = {"name": "b", "datatype": "FP32", "shape": [1, 10]}
    for version in ("", "5"):
        metadata = grpc_client.get_model_metadata("dummy_chain", model_version=version, as_json=True)
        assert metadata["name"] == "dummy_chain"
        assert metadata["versions"] == ["1"] and metadata["platform"] == "OpenVINO"
        assert metadata["inputs"] == [{**tensor, "shape": ["1", "10"]}]
        assert metadata["outputs"] == [{**tensor, "name": "a", "shape": ["1", "10"]}]
    for path in ("/v2/models/dummy_chain", "/v2/models/dummy_chain/versions/2"):
        status, body = rest(served, "GET", path)
        assert status == 200
        assert json.loads(body) == {
            "name": "dummy_chain", "versions": ["1"], "platform": "OpenVINO",
            "inputs": [tensor], "outputs": [{**tensor, "name": "a"}],
        }
    status, body = rest(served, "GET", "/v2/models/dummy_add_sub/config")
    assert status == 200
    config = json.loads(body)
    assert config["name"] == "dummy_add_sub" and config["input"][0]["name"] == "b"
    assert config["output"][0]["name"] == "out" and config["output"][0]["data_type"] == "TYPE_FP32"


def test_a_pipeline_not_loaded_yet(served, grpc_client):
    error = grpc_error(lambda: grpc_client.get_model_metadata("missing_model"))
    assert error.status() == "StatusCode.UNAVAILABLE"
    assert error.message().startswith("Pipeline is not loaded yet")
    x = np.zeros((1, 10), np.float32)
    error = grpc_error(lambda: grpc_client.infer("missing_model", [grpc_input("b", x)]))
    assert error.status() == "StatusCode.UNAVAILABLE"
    assert error.message().startswith("Pipeline is not loaded yet")
    status, body = rest(served, "GET", "/v2/models/missing_model")
    assert status == 404 and json.loads(body)["error"].startswith("Pipeline is not loaded yet")
    request = {"inputs": [{"name": "b", "shape": [1, 10], "datatype": "FP32", "data": [0.0] * 10}]}
    status, body = rest(served, "POST", "/v2/models/missing_model/infer", json.dumps(request))
    assert status == 404 and json.loads(body)["error"].startswith("Pipeline is not loaded yet")


# ---------------------------------------------------------------- inference


def test_grpc_raw_and_typed_contents(served, grpc_client):
    x = RNG.standard_normal((1, 10), dtype=np.float32)
    result = grpc_client.infer("dummy_chain", [grpc_input("b", x)], request_id="r1")
    response = result.get_response()
    assert (response.model_name, response.model_version, response.id) == ("dummy_chain", "1", "r1")
    np.testing.assert_allclose(result.as_numpy("a"), x + 2, rtol=1e-6)
    # A version in the request is not looked at for a pipeline, as in OVMS.
    result = grpc_client.infer("dummy_chain", [grpc_input("b", x)], model_version="42")
    assert result.get_response().model_version == "1"
    np.testing.assert_allclose(result.as_numpy("a"), x + 2, rtol=1e-6)
    # Typed contents, through the generated stub.
    with grpc.insecure_channel(served.grpc) as channel:
        stub = pb_grpc.GRPCInferenceServiceStub(channel)
        typed = pb.ModelInferRequest(model_name="dummy_chain")
        tensor = typed.inputs.add(name="b", datatype="FP32", shape=[1, 10])
        tensor.contents.fp32_contents.extend([float(v) for v in range(10)])
        answer = stub.ModelInfer(typed, timeout=30)
    got = np.frombuffer(answer.raw_output_contents[0], np.float32)
    np.testing.assert_array_equal(got, np.arange(10, dtype=np.float32) + 2)
    assert answer.outputs[0].name == "a" and list(answer.outputs[0].shape) == [1, 10]


def test_rest_json_and_binary(served, http_client):
    x = RNG.standard_normal((1, 10), dtype=np.float32)
    for binary in (False, True):
        output = triton_http.InferRequestedOutput("a", binary_data=binary)
        result = http_client.infer("dummy_chain", [http_input("b", x, binary)], outputs=[output])
        np.testing.assert_allclose(result.as_numpy("a"), x + 2, rtol=1e-6)
        assert result.get_response()["model_version"] == "1"
    request = {"id": "j1", "inputs": [{"name": "b", "shape": [1, 10], "datatype": "FP32", "data": list(range(10))}]}
    status, body = rest(served, "POST", "/v2/models/dummy_chain/versions/9/infer", json.dumps(request))
    assert status == 200
    answer = json.loads(body)
    assert (answer["model_name"], answer["model_version"], answer["id"]) == ("dummy_chain", "1", "j1")
    assert answer["outputs"] == [{"name": "a", "shape": [1, 10], "datatype": "FP32", "data": [v + 2.0 for v in range(10)]}]


def test_custom_node_pipeline(grpc_client, http_client):
    x = RNG.standard_normal((1, 10), dtype=np.float32)
    expected = (x + 1) * 2 + 3
    np.testing.assert_allclose(grpc_client.infer("dummy_add_sub", [grpc_input("b", x)]).as_numpy("out"), expected, rtol=1e-6)
    np.testing.assert_allclose(http_client.infer("dummy_add_sub", [http_input("b", x)]).as_numpy("out"), expected, rtol=1e-6)


def test_a_demultiplexing_entry(served, grpc_client, http_client):
    metadata = grpc_client.get_model_metadata("dynamic_entry", as_json=True)
    assert metadata["inputs"] == [{"name": "b", "datatype": "FP32", "shape": ["-1", "1", "10"]}]
    x = RNG.standard_normal((3, 1, 10), dtype=np.float32)
    np.testing.assert_allclose(grpc_client.infer("dynamic_entry", [grpc_input("b", x)]).as_numpy("a"), x + 1, rtol=1e-6)
    np.testing.assert_allclose(http_client.infer("dynamic_entry", [http_input("b", x)]).as_numpy("a"), x + 1, rtol=1e-6)


def test_asyncio_clients(served):
    xs = [RNG.standard_normal((1, 10), dtype=np.float32) for _ in range(8)]

    async def run():
        grpc_aio = triton_grpc_aio.InferenceServerClient(served.grpc)
        http_aio = triton_http_aio.InferenceServerClient(served.rest)
        try:
            assert await grpc_aio.is_model_ready("dummy_chain")
            assert await http_aio.is_model_ready("dummy_chain")

            async def over_grpc(x):
                return (await grpc_aio.infer("dummy_chain", [grpc_input("b", x, triton_grpc_aio)])).as_numpy("a")

            async def over_http(x):
                return (await http_aio.infer("dummy_chain", [http_input("b", x, module=triton_http_aio)])).as_numpy("a")

            calls = [over_grpc(x) for x in xs] + [over_http(x) for x in xs]
            for x, got in zip(xs + xs, await asyncio.gather(*calls)):
                np.testing.assert_allclose(got, x + 2, rtol=1e-6)
        finally:
            await grpc_aio.close()
            await http_aio.close()

    asyncio.run(asyncio.wait_for(run(), 60))


#: kserve and tritonclient both register the protobuf package `inference`: kserve runs apart.
KSERVE_CLIENT = r"""
import asyncio, json, sys
import numpy as np
from kserve import InferenceGRPCClient, InferInput, InferRequest

async def main(address):
    client = InferenceGRPCClient(address, timeout=30, retries=0)
    out = {"ready": await client.is_model_ready("dummy_chain")}
    x = np.arange(10, dtype=np.float32).reshape(1, 10)
    raw = InferInput("b", [1, 10], "FP32"); raw.set_data_from_numpy(x)
    response = await client.infer(InferRequest("dummy_chain", [raw], request_id="k1"))
    out["raw"] = [response.id, response.model_version, response.outputs[0].as_numpy().tolist()]
    await client.close()
    print(json.dumps(out))

asyncio.run(main(sys.argv[1]))
"""


def test_kserve_grpc_client(served):
    done = subprocess.run([sys.executable, "-c", KSERVE_CLIENT, served.grpc], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["ready"] is True
    assert out["raw"] == ["k1", "1", (np.arange(10, dtype=np.float32) + 2).reshape(1, 10).tolist()]


# ---------------------------------------------------------------- bad requests and failures


def test_bad_requests_get_ovms_codes(served, grpc_client):
    x = np.zeros((1, 10), np.float32)
    error = grpc_error(lambda: grpc_client.infer("dummy_chain", [grpc_input("c", x)]))
    assert error.status() == "StatusCode.INVALID_ARGUMENT"
    assert error.message().startswith("Missing input with specific name")
    error = grpc_error(lambda: grpc_client.infer("dummy_chain", [grpc_input("b", np.zeros((1, 5), np.float32))]))
    assert error.status() == "StatusCode.INVALID_ARGUMENT"
    assert error.message().startswith("Invalid input shape")
    error = grpc_error(lambda: grpc_client.infer("dummy_chain", [grpc_input("b", x), grpc_input("c", x)]))
    assert error.status() == "StatusCode.INVALID_ARGUMENT"
    assert error.message().startswith("Invalid number of inputs")
    error = grpc_error(lambda: grpc_client.infer("dummy_chain", [grpc_input("b", x)], model_version="01"))
    assert error.status() == "StatusCode.INVALID_ARGUMENT"
    assert error.message().startswith("invalid model version format in request")
    error = grpc_error(lambda: grpc_client.infer("no_such_pipeline", [grpc_input("b", x)]))
    assert error.status() == "StatusCode.NOT_FOUND"
    assert error.message().startswith("Pipeline with requested name is not found")
    short = {"inputs": [{"name": "b", "shape": [1, 10], "datatype": "FP32", "data": [0.0] * 9}]}
    status, body = rest(served, "POST", "/v2/models/dummy_chain/infer", json.dumps(short))
    assert status == 400 and json.loads(body)["error"].startswith("Invalid number of values in tensor proto container")
    wrong_shape = {"inputs": [{"name": "b", "shape": [1, 5], "datatype": "FP32", "data": [0.0] * 5}]}
    status, body = rest(served, "POST", "/v2/models/dummy_chain/infer", json.dumps(wrong_shape))
    assert status == 400 and json.loads(body)["error"].startswith("Invalid input shape")
    assert_chain_serves(grpc_client)


def test_node_failure_fails_the_request_and_the_server_serves_on(served, grpc_client, http_client):
    odd = np.arange(3, dtype=np.float32)
    for _ in range(3):
        error = grpc_error(lambda: grpc_client.infer("odd_fails", [grpc_input("x", odd)]))
        assert error.status() == "StatusCode.INTERNAL"
        assert error.message().startswith("Internal inference error")
        status, body = rest(
            served, "POST", "/v2/models/odd_fails/infer",
            json.dumps({"inputs": [{"name": "x", "shape": [3], "datatype": "FP32", "data": [0.0, 1.0, 2.0]}]}),
        )
        assert status == 500 and json.loads(body)["error"].startswith("Internal inference error")
    even = np.arange(4, dtype=np.float32)
    np.testing.assert_array_equal(grpc_client.infer("odd_fails", [grpc_input("x", even)]).as_numpy("y"), even.reshape(2, 2))
    np.testing.assert_array_equal(http_client.infer("odd_fails", [http_input("x", even)]).as_numpy("y"), even.reshape(2, 2))
    assert_chain_serves(grpc_client)


# ---------------------------------------------------------------- metrics, then retirement (last)


def sample(text: str, family: str, **labels) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    prefix = f"{family}{{{wanted}}} "
    lines = [line for line in text.splitlines() if line.startswith(prefix)]
    assert lines, f"no {prefix!r} in /metrics"
    return float(lines[0][len(prefix):])


def test_pipeline_requests_are_counted(served, grpc_client, http_client):
    def scrape():
        with urllib.request.urlopen(f"http://{served.rest}/metrics", timeout=10) as response:
            return response.read().decode()

    def infer_labels(interface):
        return {"api": "KServe", "interface": interface, "method": "ModelInfer", "name": "dummy_chain", "version": "1"}

    before = scrape()
    x = np.zeros((1, 10), np.float32)
    for _ in range(3):
        grpc_client.infer("dummy_chain", [grpc_input("b", x)])
    for _ in range(2):
        http_client.infer("dummy_chain", [http_input("b", x)])
    grpc_error(lambda: grpc_client.infer("dummy_chain", [grpc_input("b", np.zeros((1, 5), np.float32))]))
    grpc_client.get_model_metadata("dummy_chain")
    assert grpc_client.is_model_ready("dummy_chain")
    assert rest(served, "GET", "/v2/models/dummy_chain")[0] == 200
    # Through the C API (counted beyond OVMS): 2 sync and 1 async successes, 1 wrong shape.
    for _ in range(2):
        served.server.infer("dummy_chain", {"b": x})
    served.server.infer_async("dummy_chain", {"b": x}).result(10)
    with pytest.raises(OvmsError):
        served.server.infer("dummy_chain", {"b": np.zeros((1, 5), np.float32)})
    # A pipeline that is not loaded: its metadata is counted a failure, its inference not at all.
    grpc_error(lambda: grpc_client.get_model_metadata("missing_model"))
    grpc_error(lambda: grpc_client.infer("missing_model", [grpc_input("b", x)]))
    with pytest.raises(OvmsError):
        served.server.infer("missing_model", {"b": x})
    after = scrape()

    def grew(family, interface, method="ModelInfer"):
        labels = {**infer_labels(interface), "method": method}
        return sample(after, family, **labels) - sample(before, family, **labels)

    assert grew("ovms_requests_success", "gRPC") == 3
    assert grew("ovms_requests_success", "REST") == 2
    assert grew("ovms_requests_fail", "gRPC") == 1
    assert grew("ovms_requests_success", "CAPI") == 3
    assert grew("ovms_requests_fail", "CAPI") == 1
    assert grew("ovms_requests_success", "gRPC", "ModelMetadata") == 1
    assert grew("ovms_requests_success", "REST", "ModelMetadata") == 1
    ready = {"api": "KServe", "interface": "gRPC", "method": "ModelReady", "name": "dummy_chain"}
    assert sample(after, "ovms_requests_success", **ready) - sample(before, "ovms_requests_success", **ready) == 1
    missing = {**infer_labels("gRPC"), "name": "missing_model"}
    missing_metadata = {**missing, "method": "ModelMetadata"}
    assert sample(after, "ovms_requests_fail", **missing_metadata) - sample(before, "ovms_requests_fail", **missing_metadata) == 1
    assert sample(after, "ovms_requests_fail", **missing) == 0
    assert sample(after, "ovms_requests_fail", **{**missing, "interface": "CAPI"}) == 0
    timed = {"interface": "gRPC", "name": "dummy_chain", "version": "1"}
    assert sample(after, "ovms_request_time_us_count", **timed) - sample(before, "ovms_request_time_us_count", **timed) == 3
    capi_timed = {**timed, "interface": "CAPI"}
    assert sample(after, "ovms_request_time_us_count", **capi_timed) - sample(before, "ovms_request_time_us_count", **capi_timed) == 3
    # Only the families OVMS keeps for a pipeline: no inference time or pool gauges.
    assert 'ovms_inference_time_us_count{name="dummy_chain"' not in after
    assert 'ovms_streams{name="dummy_chain"' not in after


def test_a_retired_pipeline(served, grpc_client):
    write_config(served.directory, served.library, include_chain=False)
    status, body = rest(served, "POST", "/v1/config/reload")
    assert status == 200, body
    assert not grpc_client.is_model_ready("dummy_chain")
    x = np.zeros((1, 10), np.float32)
    error = grpc_error(lambda: grpc_client.infer("dummy_chain", [grpc_input("b", x)]))
    assert error.status() == "StatusCode.NOT_FOUND"
    assert error.message().startswith("Pipeline is retired")
    error = grpc_error(lambda: grpc_client.get_model_metadata("dummy_chain"))
    assert error.status() == "StatusCode.NOT_FOUND"
    status, body = rest(served, "GET", "/v2/models/dummy_chain/ready")
    assert status == 404
    request = {"inputs": [{"name": "b", "shape": [1, 10], "datatype": "FP32", "data": [0.0] * 10}]}
    status, body = rest(served, "POST", "/v2/models/dummy_chain/infer", json.dumps(request))
    assert status == 404 and json.loads(body)["error"].startswith("Pipeline is retired")
    # The other pipelines serve on.
    np.testing.assert_allclose(
        grpc_client.infer("dummy_add_sub", [grpc_input("b", x)]).as_numpy("out"), np.full((1, 10), 5.0, np.float32)
    )
