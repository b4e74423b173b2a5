"""Smoke test of libovms_shared.so through the package: start a server, read metadata, infer the
dummy model and compare with OpenVINO's own Python API on the same model; a NULL server pointer
through the raw ctypes binding."""

import ctypes

import numpy as np
import openvino as ov

from ovms_shared import OvmsError, StatusCode, load_library


def test_dummy_matches_openvino_python(server, reference):
    data = np.random.default_rng(7).standard_normal((1, 10)).astype(np.float32)
    ours = server.infer("dummy", {"b": data})["a"]
    np.testing.assert_array_equal(ours, reference("dummy", {"b": data})["a"])
    np.testing.assert_array_equal(ours, data + 1)


def test_unknown_servable_is_pipeline_definition_name_missing(server):
    try:
        server.infer("no_such_model", {"b": np.zeros((1, 10), np.float32)})
    except OvmsError as e:
        assert e.code == StatusCode.PIPELINE_DEFINITION_NAME_MISSING == 144
        assert e.message.startswith("Pipeline with requested name is not found")
    else:
        raise AssertionError("no error")


def test_null_server_names_the_argument():
    lib = load_library()
    status = lib.OVMS_ServerMetadata(None, None)
    code, details = ctypes.c_uint32(), ctypes.c_char_p()
    assert lib.OVMS_StatusCode(status, ctypes.byref(code)) is None
    assert lib.OVMS_StatusDetails(status, ctypes.byref(details)) is None
    assert (code.value, details.value.decode()) == (StatusCode.NONEXISTENT_PTR, "Tried to use nonexisting pointer - server")
    lib.OVMS_StatusDelete(status)


def test_server_metadata_json(server):
    metadata = server.metadata()
    assert list(metadata) == ["name", "version", "ov_version"]
    assert metadata["name"] == "OpenVINO Model Server"
    assert metadata["ov_version"] == ov.get_version()
