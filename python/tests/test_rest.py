"""The KServe v2 REST front end, through real clients over loopback: tritonclient's HTTP client
(JSON and binary, sync and asyncio), kserve's InferenceRESTClient, and raw http.client and
sockets for what a hostile peer sends. Results are compared with OpenVINO's own Python API on
the same model files; errors with OVMS's HTTP code and message."""

from __future__ import annotations

import asyncio
import http.client
import json
import shutil
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

# scripts/setup.sh installs the clients; a missing one is a failure, not a skip.
import tritonclient.http as tritonclient_http  # noqa: E402
import tritonclient.http.aio as tritonclient_aio  # noqa: E402

import conftest  # noqa: E402
from ovms_shared import Server  # noqa: E402

MODELS = conftest.MODELS
REST_MODELS = {
    "dummy": {},
    "dummy_dyn": {},
    "add": {},
    "scalar": {},
    "passthrough_string": {},
    "versioned": {"model_version_policy": {"all": {}}},
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Rest:
    server: Server | None = None
    port: int = 0


def start_rest(config) -> tuple[Server, int]:
    # The C API's server is a process singleton: the shared one (closed by the no_server
    # fixture) and ours must not be running.
    if _Rest.server is not None:
        _Rest.server.close()
        _Rest.server = None
    port = free_port()
    server = Server(
        config, rest_port=port, rest_bind_address="127.0.0.1", log_level="ERROR", file_system_poll_wait_seconds=0
    )
    return server, port


@pytest.fixture(scope="module")
def rest_config(tmp_path_factory):
    return conftest.write_config(tmp_path_factory.mktemp("rest"), REST_MODELS)


@pytest.fixture
def port(no_server, rest_config) -> int:
    """The port of a server with the REST front end on REST_MODELS (started once per module)."""
    if _Rest.server is None or _Rest.server.closed:
        _Rest.server, _Rest.port = start_rest(rest_config)
    return _Rest.port


def teardown_module(module):
    if _Rest.server is not None:
        _Rest.server.close()
        _Rest.server = None


def request(port, method, path, body=None, headers=None):
    """One raw request: (status, headers as a lower-case dict, body bytes)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def error_of(body: bytes) -> str:
    return json.loads(body)["error"]


def assert_serving(port):
    """The server still answers an inference after whatever came before."""
    client = tritonclient_http.InferenceServerClient(f"127.0.0.1:{port}")
    x = np.arange(10, dtype=np.float32).reshape(1, 10)
    i = tritonclient_http.InferInput("b", [1, 10], "FP32")
    i.set_data_from_numpy(x)
    np.testing.assert_array_equal(client.infer("dummy", [i]).as_numpy("a"), x + 1)


def infer_json(port, model, inputs, path_version=None, **extra):
    path = f"/v2/models/{model}" + (f"/versions/{path_version}" if path_version else "") + "/infer"
    return request(port, "POST", path, json.dumps({"inputs": inputs, **extra}))


# ---------------------------------------------------------------- health and metadata


def test_health_and_server_metadata(port):
    for path in ("/v2/health/live", "/v2/health/ready"):
        status, _, body = request(port, "GET", path)
        assert (status, body) == (200, b"")
    client = tritonclient_http.InferenceServerClient(f"127.0.0.1:{port}")
    assert client.is_server_live() and client.is_server_ready()
    metadata = client.get_server_metadata()
    assert metadata["name"] == "OpenVINO Model Server"
    assert metadata["version"] == _Rest.server.metadata()["version"]


def test_model_metadata_matches_openvino(port):
    import openvino as ov

    client = tritonclient_http.InferenceServerClient(f"127.0.0.1:{port}")
    kserve_type = {"f32": "FP32", "u8": "UINT8", "string": "BYTES"}
    for name in ("dummy", "dummy_dyn", "add", "scalar", "passthrough_string"):
        model = ov.Core().read_model(str(MODELS / name / "1" / "model.xml"))
        metadata = client.get_model_metadata(name)
        assert metadata["name"] == name and metadata["versions"] == ["1"]
        assert metadata["platform"] == "OpenVINO"
        for ports, described in ((model.inputs, metadata["inputs"]), (model.outputs, metadata["outputs"])):
            expected = sorted(
                (
                    p.get_any_name(),
                    kserve_type[p.get_element_type().get_type_name()],
                    [d.get_length() if d.is_static else -1 for d in p.get_partial_shape()],
                )
                for p in ports
            )
            assert sorted((t["name"], t["datatype"], t["shape"]) for t in described) == expected
        assert client.is_model_ready(name)
    versioned = client.get_model_metadata("versioned")
    assert versioned["versions"] == ["1", "2", "3"]
    assert client.get_model_metadata("versioned", model_version="2")["versions"] == ["1", "2", "3"]
    assert client.is_model_ready("versioned", model_version="2")
    config = client.get_model_config("add")
    assert config["max_batch_size"] == 0
    assert sorted((t["name"], t["data_type"], t["dims"]) for t in config["input"]) == [
        ("input1", "TYPE_FP32", [1, 10]),
        ("input2", "TYPE_FP32", [1, 10]),
    ]
    assert [(t["name"], t["data_type"]) for t in config["output"]] == [("sum", "TYPE_FP32")]


@pytest.mark.parametrize(
    "path, status, message",
    [
        ("/v2/models/nope", 404, "Model with requested name is not found"),
        ("/v2/models/nope/ready", 404, "Model with requested name is not found"),
        ("/v2/models/dummy/versions/2", 404, "Model with requested version is not found"),
        ("/v2/models/dummy/versions/2/ready", 404, "Model with requested version is not found"),
        ("/v2/models/dummy/versions/99999999999999999999", 404, "Model with requested version is not found"),
        ("/v2/models/dummy/versions/abc", 400, "Invalid request URL"),
        ("/v2/models/dummy/versions/abc/ready", 400, "Invalid request URL"),
        ("/v2/nothing", 400, "Invalid request URL"),
        ("/v2/models/dummy/infer", 406, "Unsupported method"),
        ("/v2/models/../dummy", 400, "The provided base path is invalid or doesn't exists"),
        ("/metrics", 400, "Invalid request URL"),
    ],
)
def test_get_errors(port, path, status, message):
    got, headers, body = request(port, "GET", path)
    assert (got, error_of(body)) == (status, message)
    # OVMS answers /metrics in plain text, metrics enabled or not.
    assert headers["content-type"] == ("text/plain" if path == "/metrics" else "application/json")


@pytest.mark.parametrize(
    "method, path",
    [("PUT", "/v2/health/live"), ("DELETE", "/v2/models/dummy"), ("POST", "/v2/models/dummy"), ("POST", "/v1/config")],
)
def test_wrong_method(port, method, path):
    status, _, body = request(port, method, path, body=b"{}")
    assert (status, error_of(body)) == (406, "Unsupported method")


# ---------------------------------------------------------------- inference


def test_infer_tritonclient_json_and_binary(port, reference):
    client = tritonclient_http.InferenceServerClient(f"127.0.0.1:{port}")
    rng = np.random.default_rng(7)
    cases = [
        ("dummy", {"b": rng.standard_normal((1, 10), dtype=np.float32)}),
        ("dummy_dyn", {"b": rng.standard_normal((3, 10), dtype=np.float32)}),
        ("add", {"input1": rng.standard_normal((1, 10), dtype=np.float32), "input2": np.ones((1, 10), np.float32)}),
        ("scalar", {"model_scalar_input": np.array(2.5, dtype=np.float32)}),
    ]
    for model, feeds in cases:
        expected = reference(model, feeds)
        for binary_in in (True, False):
            for binary_out in (True, False):
                inputs = []
                for name, array in feeds.items():
                    i = tritonclient_http.InferInput(name, list(array.shape), "FP32")
                    i.set_data_from_numpy(array, binary_data=binary_in)
                    inputs.append(i)
                outputs = [tritonclient_http.InferRequestedOutput(n, binary_data=binary_out) for n in expected]
                result = client.infer(model, inputs, outputs=outputs)
                for name, want in expected.items():
                    got = result.as_numpy(name)
                    assert got.shape == want.shape, (model, name)
                    np.testing.assert_array_equal(got, want)
                    output = result.get_output(name)
                    assert ("binary_data_size" in output.get("parameters", {})) == binary_out
                assert result.get_response()["model_version"] == "1"


def test_infer_version_in_path(port):
    client = tritonclient_http.InferenceServerClient(f"127.0.0.1:{port}")
    x = np.zeros((1, 10), np.float32)
    for version, added in (("1", 1), ("2", 2), ("", 3)):
        i = tritonclient_http.InferInput("b", [1, 10], "FP32")
        i.set_data_from_numpy(x)
        result = client.infer("versioned", [i], model_version=version)
        np.testing.assert_array_equal(result.as_numpy("a"), x + added)
        assert result.get_response()["model_version"] == str(added)


def test_infer_bytes(port):
    client = tritonclient_http.InferenceServerClient(f"127.0.0.1:{port}")
    strings = np.array([b"abc", b"", "żółw".encode()], dtype=object)
    for binary in (True, False):
        i = tritonclient_http.InferInput("my_name", [3], "BYTES")
        i.set_data_from_numpy(strings, binary_data=binary)
        result = client.infer(
            "passthrough_string", [i], outputs=[tritonclient_http.InferRequestedOutput("my_name", binary_data=binary)]
        )
        # tritonclient hands JSON strings back as str, binary ones as bytes.
        got = [s.encode() if isinstance(s, str) else s for s in result.as_numpy("my_name")]
        assert got == list(strings)


def test_infer_nested_and_flat_json(port):
    x = np.arange(20, dtype=np.float32).reshape(2, 10)
    for data in (x.tolist(), x.flatten().tolist()):
        status, headers, body = infer_json(
            port, "dummy_dyn", [{"name": "b", "shape": [2, 10], "datatype": "FP32", "data": data}], id="req-7"
        )
        assert status == 200 and "inference-header-content-length" not in headers
        answer = json.loads(body)
        assert answer["id"] == "req-7" and answer["model_name"] == "dummy_dyn"
        (output,) = answer["outputs"]
        assert output["name"] == "a" and output["shape"] == [2, 10] and output["datatype"] == "FP32"
        np.testing.assert_array_equal(np.array(output["data"], np.float32), (x + 1).flatten())


def test_infer_aio_client(port, reference):
    x = np.random.default_rng(3).standard_normal((4, 10), dtype=np.float32)
    expected = reference("dummy_dyn", {"b": x})["a"]

    async def run():
        client = tritonclient_aio.InferenceServerClient(f"127.0.0.1:{port}")
        try:
            assert await client.is_server_ready()
            assert await client.is_model_ready("dummy_dyn")

            async def one(k):
                i = tritonclient_aio.InferInput("b", [k, 10], "FP32")
                i.set_data_from_numpy(x[:k], binary_data=k % 2 == 0)
                return k, (await client.infer("dummy_dyn", [i])).as_numpy("a")

            for k, got in await asyncio.gather(*(one(k) for k in (1, 2, 3, 4) * 2)):
                np.testing.assert_array_equal(got, expected[:k])
        finally:
            await client.close()

    asyncio.run(asyncio.wait_for(run(), 60))


#: kserve and tritonclient both register the protobuf package `inference`, so they cannot be
#: imported into one process: kserve's client runs in a child process of its own.
KSERVE_REST_CLIENT = r"""
import asyncio, json, sys
import numpy as np
import kserve

async def main(base, x):
    client = kserve.InferenceRESTClient(kserve.RESTConfig(protocol="v2"))
    out = {}
    try:
        out["ready"] = await client.is_model_ready(base, "dummy")
        out["not_ready"] = await client.is_model_ready(base, "nope")
        for binary in (False, True):
            i = kserve.InferInput("b", [1, 10], "FP32")
            i.set_data_from_numpy(x, binary_data=binary)
            result = await client.infer(base, kserve.InferRequest(model_name="dummy", infer_inputs=[i]), "dummy")
            (output,) = result.outputs
            out["binary" if binary else "json"] = [output.name, output.as_numpy().tolist()]
    finally:
        await client.close()
    print(json.dumps(out))

x = np.array(json.loads(sys.argv[2]), dtype=np.float32)
asyncio.run(asyncio.wait_for(main(sys.argv[1], x), 60))
"""


def test_kserve_rest_client(port, reference):
    x = np.random.default_rng(5).standard_normal((1, 10), dtype=np.float32)
    expected = reference("dummy", {"b": x})["a"]
    done = subprocess.run(
        [sys.executable, "-c", KSERVE_REST_CLIENT, f"http://127.0.0.1:{port}", json.dumps(x.tolist())],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["ready"] is True and out["not_ready"] is False
    for kind in ("json", "binary"):
        name, values = out[kind]
        assert name == "a"
        np.testing.assert_array_equal(np.array(values, dtype=np.float32), expected)


# ---------------------------------------------------------------- bad requests

B = {"name": "b", "shape": [1, 10], "datatype": "FP32"}
TEN = list(range(10))


def binary_request(json_part: dict, blob: bytes, header_length: str | None = None):
    text = json.dumps(json_part).encode()
    length = str(len(text)) if header_length is None else header_length
    return text + blob, {"Inference-Header-Content-Length": length}


BAD = {
    "unknown model": ("nope", json.dumps({"inputs": [{**B, "data": TEN}]}), {}, 404,
                      "Pipeline with requested name is not found"),
    "unknown version": ("dummy/versions/5", json.dumps({"inputs": [{**B, "data": TEN}]}), {}, 404,
                        "Model with requested version is not found"),
    "wrong datatype": ("dummy", json.dumps({"inputs": [{**B, "datatype": "INT32", "data": TEN}]}), {}, 400,
                       "Invalid input precision"),
    "unknown datatype": ("dummy", json.dumps({"inputs": [{**B, "datatype": "FP8", "data": TEN}]}), {}, 400,
                         "Could not parse input content. Unsupported data precision detected"),
    "wrong shape": ("dummy", json.dumps({"inputs": [{**B, "shape": [1, 11], "data": TEN + [1]}]}), {}, 400,
                    "Invalid input shape"),
    "wrong rank": ("dummy", json.dumps({"inputs": [{**B, "shape": [10], "data": TEN}]}), {}, 400,
                   "Invalid number of shape dimensions"),
    "wrong count": ("dummy", json.dumps({"inputs": [{**B, "data": TEN[:9]}]}), {}, 400,
                    "Invalid number of values in tensor proto container"),
    "missing input": ("add", json.dumps({"inputs": [{**B, "name": "input1", "data": TEN}]}), {}, 400,
                      "Invalid number of inputs"),
    "not a number": ("dummy", json.dumps({"inputs": [{**B, "data": ["x"] * 10}]}), {}, 400,
                     "Could not parse input content. Not valid ndarray detected"),
    "no inputs": ("dummy", json.dumps({"inputs": []}), {}, 400, "Invalid JSON structure, missing inputs"),
    "malformed json": ("dummy", '{"inputs": [', {}, 412, "The file is not valid json"),
    "not an object": ("dummy", "[1, 2]", {}, 400, "Request body should be JSON object"),
    "binary too short": ("dummy", *binary_request({"inputs": [{**B, "parameters": {"binary_data_size": 36}}]},
                                                  bytes(36)), 400, "Invalid content size of tensor proto"),
    "binary missing": ("dummy", *binary_request({"inputs": [{**B, "parameters": {"binary_data_size": 40}}]},
                                                bytes(20)), 400,
                       "Received buffer size is smaller than binary_data_size parameter indicates"),
    "binary sized by shape, short": ("dummy", *binary_request({"inputs": [B]}, bytes(39)), 400,
                                     "Received buffer size is smaller than binary_data_size parameter indicates"),
    "json and binary": ("dummy", *binary_request({"inputs": [{**B, "data": TEN, "parameters": {"binary_data_size": 40}}]},
                                                 bytes(40)), 500,
                        "Request contains values both in binary data and in content value"),
    "negative binary size": ("dummy", *binary_request({"inputs": [{**B, "parameters": {"binary_data_size": -1}}]},
                                                      b""), 400,
                             "binary_data_size parameter is invalid and cannot be parsed"),
    "header not a number": ("dummy", *binary_request({"inputs": [B]}, bytes(40), "abc"), 500,
                            "Inference-Header-Content-Length header is invalid and couldn't be parsed"),
    "header negative": ("dummy", *binary_request({"inputs": [B]}, bytes(40), "-5"), 500,
                        "Inference-Header-Content-Length header is invalid and couldn't be parsed"),
    "header past the body": ("dummy", *binary_request({"inputs": [B]}, b"", "100000"), 500,
                             "Inference-Header-Content-Length header exceeds actual payload length"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_inference_requests(port, case):
    model, body, headers, status, message = BAD[case]
    got, _, answer = request(port, "POST", f"/v2/models/{model}/infer", body, headers)
    assert got == status, answer
    assert error_of(answer).startswith(message), answer
    assert_serving(port)


def test_tritonclient_sees_ovms_errors(port):
    client = tritonclient_http.InferenceServerClient(f"127.0.0.1:{port}")
    i = tritonclient_http.InferInput("b", [1, 11], "FP32")
    i.set_data_from_numpy(np.zeros((1, 11), np.float32))
    with pytest.raises(tritonclient_http.InferenceServerException) as raised:
        client.infer("dummy", [i])
    assert raised.value.status() == "400"
    assert raised.value.message().startswith("Invalid input shape")


def raw_exchange(port, data: bytes, close_write: bool = True) -> bytes:
    """Sends `data` as it is, then reads until the server closes (bounded by the timeout)."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(data)
        if close_write:
            connection.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
        return received


def test_body_over_the_limit_is_refused_unread(port):
    started = time.monotonic()
    # A declared 1 GiB + 1 body with only a few bytes sent: refused from the header alone.
    answer = raw_exchange(
        port,
        b"POST /v2/models/dummy/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 1073741825\r\n\r\n{}",
        close_write=False,
    )
    assert answer.startswith(b"HTTP/1.1 413"), answer
    assert b"Request body too large" in answer
    assert time.monotonic() - started < 10
    assert_serving(port)


def test_truncated_body(port):
    answer = raw_exchange(
        port, b'POST /v2/models/dummy/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{"inputs": ['
    )
    assert answer.startswith(b"HTTP/1.1 400"), answer
    assert b"Request body could not be read" in answer
    assert_serving(port)


def test_options_and_query_strings(port):
    assert request(port, "OPTIONS", "/v2/models/dummy/infer")[:1] == (200,)
    status, _, body = request(port, "GET", "/v2/models/dummy/ready?verbose=1")
    assert (status, body) == (200, b"")


# ---------------------------------------------------------------- /v1/config and reload


def config_models(port) -> dict:
    status, _, body = request(port, "GET", "/v1/config")
    assert status == 200
    return {
        name: {v["version"]: (v["state"], v["status"]["error_code"]) for v in model["model_version_status"]}
        for name, model in json.loads(body).items()
    }


def test_config_status_and_reload(no_server, tmp_path):
    shutil.copytree(MODELS / "dummy", tmp_path / "dummy")
    config = conftest.write_config(tmp_path, {"dummy": {}})
    # The copy is what the config serves (its base path is made absolute by write_config).
    entries = json.loads(config.read_text())
    entries["model_config_list"][0]["config"]["base_path"] = str(tmp_path / "dummy")
    config.write_text(json.dumps(entries))
    server, port = start_rest(config)
    try:
        assert config_models(port) == {"dummy": {"1": ("AVAILABLE", "OK")}}

        # Nothing changed: the reload answers the same states.
        status, _, body = request(port, "POST", "/v1/config/reload")
        assert status == 200 and json.loads(body)["dummy"]["model_version_status"][0]["state"] == "AVAILABLE"

        # A model added and a version added: both served after the reload.
        entries["model_config_list"].append({"config": {"name": "add", "base_path": str(MODELS / "add")}})
        config.write_text(json.dumps(entries))
        shutil.copytree(MODELS / "dummy" / "1", tmp_path / "dummy" / "2")
        status, _, body = request(port, "POST", "/v1/config/reload")
        assert status == 200
        states = config_models(port)
        assert states["add"] == {"1": ("AVAILABLE", "OK")}
        assert states["dummy"] == {"1": ("END", "OK"), "2": ("AVAILABLE", "OK")}
        assert json.loads(request(port, "GET", "/v2/models/dummy")[2])["versions"] == ["2"]

        # A config that is not JSON: OVMS's reload failure, and what served still serves.
        config.write_text("{ not json")
        status, _, body = request(port, "POST", "/v1/config/reload")
        assert status == 412
        assert error_of(body) == "Reloading config file failed. Check server logs for more info."
        assert config_models(port)["add"] == {"1": ("AVAILABLE", "OK")}
        assert_serving(port)
    finally:
        server.close()
