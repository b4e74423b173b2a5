"""OVMS's /metrics over HTTP on the REST port: C-API inferences are counted under
``interface="CAPI"`` (OVMS counts none), with OVMS's names, labels and histogram buckets. The text
is parsed with prometheus_client's parser. gRPC and REST requests from tritonclient's clients are
counted per interface, and every count equals the requests sent."""

from __future__ import annotations

import json
import math
import socket
import urllib.request

import numpy as np
import pytest
from prometheus_client.parser import text_string_to_metric_families

from conftest import MODELS
from ovms_shared import InferenceFailed, OvmsError, Server, StatusCode

#: The families with series per model version (the graph families have none here).
MODEL_FAMILIES = {
    "ovms_requests_success",
    "ovms_requests_fail",
    "ovms_request_time_us",
    "ovms_inference_time_us",
    "ovms_wait_for_infer_req_time_us",
    "ovms_streams",
    "ovms_current_requests",
    "ovms_infer_req_queue_size",
    "ovms_infer_req_active",
}
OPTIONAL_FAMILIES = {"ovms_infer_req_queue_size", "ovms_infer_req_active"}
BUCKETS = [str(math.floor(10 * 1.8**i)) for i in range(33)] + ["+Inf"]
# ovms::StatusCode numbers (src/status/codes.rs) that ovms_shared.StatusCode does not name.
INVALID_METRICS_FAMILY_NAME = 242
METRICS_REST_PORT_MISSING = 243

X = np.ones((1, 10), np.float32)
ODD = np.ones(3, np.float32)
EVEN = np.ones(4, np.float32)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(directory, metrics: dict) -> str:
    entries = [
        {"config": {"name": "dummy", "base_path": str(MODELS / "dummy"), "nireq": 2}},
        {"config": {"name": "fail_odd", "base_path": str(MODELS / "fail_odd")}},
    ]
    path = directory / "config.json"
    path.write_text(json.dumps({"model_config_list": entries, "monitoring": {"metrics": metrics}}))
    return str(path)


def start(directory, metrics: dict) -> tuple[Server, int]:
    port = free_port()
    config = write_config(directory, metrics)
    return Server(config, rest_port=port, rest_bind_address="127.0.0.1", log_level="ERROR"), port


def scrape(port: int) -> dict:
    """{family name: family} of GET /metrics. Counters are printed without ``_total``, as OVMS
    (prometheus_client's parser adds it to their samples' names)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain")
        text = response.read().decode()
    assert "_total" not in text
    return {family.name: family for family in text_string_to_metric_families(text)}


def value(families: dict, sample_name: str, **labels) -> float:
    family = sample_name.removesuffix("_count").removesuffix("_sum")
    names = {sample_name, f"{sample_name}_total"}
    found = [s.value for s in families[family].samples if s.name in names and s.labels == labels]
    assert len(found) == 1, f"{sample_name}{labels}: {found}"
    return found[0]


def capi_infer(name: str, version: str = "1") -> dict:
    return {"api": "KServe", "interface": "CAPI", "method": "ModelInfer", "name": name, "version": version}


def test_capi_inferences_are_counted_with_ovms_names_labels_and_buckets(no_server, tmp_path):
    server, port = start(tmp_path, {"enable": True, "metrics_list": sorted(MODEL_FAMILIES)})
    with server:
        # dummy: 7 sync and 3 async successes. fail_odd: OpenVINO fails an odd length, 2 times
        # sync and 2 times async; 1 success.
        for _ in range(7):
            server.infer("dummy", {"b": X})
        for future in [server.infer_async("dummy", {"b": X}) for _ in range(3)]:
            future.result(10)
        for _ in range(2):
            with pytest.raises(OvmsError) as error:
                server.infer("fail_odd", {"x": ODD})
            assert error.value.code == StatusCode.OV_INTERNAL_INFERENCE_ERROR
        for future in [server.infer_async("fail_odd", {"x": ODD}) for _ in range(2)]:
            assert isinstance(future.exception(10), InferenceFailed)
        server.infer("fail_odd", {"x": EVEN})

        families = scrape(port)
        assert set(families) == MODEL_FAMILIES
        assert value(families, "ovms_requests_success", **capi_infer("dummy")) == 10
        assert value(families, "ovms_requests_fail", **capi_infer("dummy")) == 0
        assert value(families, "ovms_requests_success", **capi_infer("fail_odd")) == 1
        assert value(families, "ovms_requests_fail", **capi_infer("fail_odd")) == 4
        # Times of successful requests; the wait of every request that got an infer request.
        dummy = {"name": "dummy", "version": "1"}
        fail_odd = {"name": "fail_odd", "version": "1"}
        assert value(families, "ovms_request_time_us_count", interface="CAPI", **dummy) == 10
        assert value(families, "ovms_request_time_us_count", interface="CAPI", **fail_odd) == 1
        assert value(families, "ovms_request_time_us_count", interface="gRPC", **dummy) == 0
        assert value(families, "ovms_inference_time_us_count", **dummy) == 10
        assert value(families, "ovms_wait_for_infer_req_time_us_count", **fail_odd) == 5
        assert value(families, "ovms_infer_req_queue_size", **dummy) == 2
        assert value(families, "ovms_infer_req_active", **dummy) == 0
        assert value(families, "ovms_current_requests", **dummy) == 0
        assert value(families, "ovms_streams", **dummy) >= 1

        # Every histogram series: OVMS's 33 bounds and +Inf, cumulative, ending at its count.
        for name in ("ovms_request_time_us", "ovms_inference_time_us", "ovms_wait_for_infer_req_time_us"):
            assert families[name].type == "histogram"
            series = {tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
                      for s in families[name].samples}
            for labels in series:
                buckets = [s for s in families[name].samples
                           if s.name == f"{name}_bucket" and tuple(sorted((k, v) for k, v in s.labels.items() if k != "le")) == labels]
                assert [s.labels["le"] for s in buckets] == BUCKETS, labels
                counts = [s.value for s in buckets]
                assert counts == sorted(counts)
                assert counts[-1] == value(families, f"{name}_count", **dict(labels))

        # Label sets as OVMS's: ModelReady without a version; the C API has ModelInfer only.
        for name in ("ovms_requests_success", "ovms_requests_fail"):
            assert families[name].type == "counter"
            for s in families[name].samples:
                expected = {"api", "interface", "method", "name"} | ({"version"} if s.labels["method"] != "ModelReady" else set())
                assert set(s.labels) == expected, s.labels
                assert s.labels["api"] == "KServe"
                assert s.labels["interface"] in {"CAPI", "gRPC", "REST"}
                assert s.labels["method"] in {"ModelInfer", "ModelMetadata", "ModelReady"}
                if s.labels["interface"] == "CAPI":
                    assert s.labels["method"] == "ModelInfer"
        for s in families["ovms_request_time_us"].samples:
            assert set(s.labels) - {"le"} == {"interface", "name", "version"}
        for name in ("ovms_inference_time_us", "ovms_streams", "ovms_current_requests", "ovms_infer_req_active"):
            for s in families[name].samples:
                assert set(s.labels) - {"le"} == {"name", "version"}


def test_a_restarted_server_counts_from_zero_with_the_default_set(no_server, tmp_path):
    server, port = start(tmp_path, {"enable": True, "metrics_list": ["ovms_requests_success"]})
    with server:
        server.infer("dummy", {"b": X})
        families = scrape(port)
        assert set(families) == {"ovms_requests_success"}
        assert value(families, "ovms_requests_success", **capi_infer("dummy")) == 1
    server, port = start(tmp_path, {"enable": True})
    with server:
        families = scrape(port)
        assert set(families) == MODEL_FAMILIES - OPTIONAL_FAMILIES
        assert value(families, "ovms_requests_success", **capi_infer("dummy")) == 0


def test_bad_metrics_settings_fail_the_start_with_ovms_codes(no_server, tmp_path):
    config = write_config(tmp_path, {"enable": True})
    with pytest.raises(OvmsError) as error:
        Server(config, log_level="ERROR")
    assert error.value.code == METRICS_REST_PORT_MISSING
    config = write_config(tmp_path, {"enable": True, "metrics_list": ["ovms_requests"]})
    with pytest.raises(OvmsError) as error:
        Server(config, rest_port=free_port(), rest_bind_address="127.0.0.1", log_level="ERROR")
    assert error.value.code == INVALID_METRICS_FAMILY_NAME


def test_network_requests_are_counted_per_interface(no_server, tmp_path):
    import tritonclient.grpc as grpc_client
    import tritonclient.http as http_client

    rest_port, grpc_port = free_port(), free_port()
    config = write_config(tmp_path, {"enable": True})
    server = Server(config, grpc_port=grpc_port, rest_port=rest_port, grpc_bind_address="127.0.0.1",
                    rest_bind_address="127.0.0.1", log_level="ERROR")
    sent = {"gRPC": (7, 3), "REST": (5, 2)}  # (good, bad) inferences
    try:
        for interface, module, url in (("gRPC", grpc_client, f"127.0.0.1:{grpc_port}"),
                                       ("REST", http_client, f"127.0.0.1:{rest_port}")):
            client = module.InferenceServerClient(url)
            good, bad = sent[interface]
            for shape in [[1, 10]] * good + [[1, 11]] * bad:
                tensor = module.InferInput("b", shape, "FP32")
                tensor.set_data_from_numpy(np.ones(shape, np.float32))
                try:
                    client.infer("dummy", [tensor])
                except Exception:  # noqa: BLE001 - the bad ones are refused; counted below
                    assert shape == [1, 11]
            assert client.is_model_ready("dummy")
            client.get_model_metadata("dummy")
            client.get_model_metadata("dummy")
            client.close()
        # One C-API inference beside them.
        server.infer("dummy", {"b": X})
        families = scrape(rest_port)
        for interface, (good, bad) in sent.items():
            labels = {"api": "KServe", "interface": interface, "name": "dummy"}
            assert value(families, "ovms_requests_success", method="ModelInfer", version="1", **labels) == good
            assert value(families, "ovms_requests_fail", method="ModelInfer", version="1", **labels) == bad
            assert value(families, "ovms_requests_success", method="ModelMetadata", version="1", **labels) == 2
            assert value(families, "ovms_requests_success", method="ModelReady", **labels) == 1
            assert value(families, "ovms_request_time_us_count", interface=interface, name="dummy",
                         version="1") == good
        assert value(families, "ovms_requests_success", **capi_infer("dummy")) == 1
        assert value(families, "ovms_inference_time_us_count", name="dummy", version="1") == 7 + 5 + 1
    finally:
        server.close()
