"""Smoke test of libovms_shared.so through ctypes: start a server, read metadata, infer the dummy
model and compare with OpenVINO's own Python API on the same model."""

import ctypes
import json
import os
from pathlib import Path

import numpy as np
import openvino as ov
import pytest

ROOT = Path(__file__).resolve().parents[2]
LIB_PATH = Path(os.environ.get("OVMS_SHARED_LIB", ROOT / "target" / "release" / "libovms_shared.so"))
DUMMY = ROOT / "models" / "dummy"

FP32, CPU = 2, 0
NONEXISTENT_PTR, PIPELINE_DEFINITION_NAME_MISSING = 255, 144

P = ctypes.c_void_p


@pytest.fixture(scope="module")
def lib():
    lib = ctypes.CDLL(str(LIB_PATH))
    for name in ("OVMS_ServerNew", "OVMS_ServerSettingsNew", "OVMS_ModelsSettingsNew", "OVMS_ServerMetadata",
                 "OVMS_ServerStartFromConfigurationFile", "OVMS_ModelsSettingsSetConfigPath", "OVMS_InferenceRequestNew",
                 "OVMS_InferenceRequestAddInput", "OVMS_InferenceRequestInputSetData", "OVMS_Inference",
                 "OVMS_InferenceResponseOutputCount", "OVMS_InferenceResponseOutput", "OVMS_StatusCode",
                 "OVMS_StatusDetails", "OVMS_SerializeMetadataToString", "OVMS_ServerMetadataDelete"):
        getattr(lib, name).restype = P
    lib.OVMS_ModelsSettingsSetConfigPath.argtypes = [P, ctypes.c_char_p]
    lib.OVMS_InferenceRequestNew.argtypes = [ctypes.POINTER(P), P, ctypes.c_char_p, ctypes.c_int64]
    lib.OVMS_InferenceRequestAddInput.argtypes = [P, ctypes.c_char_p, ctypes.c_uint32, ctypes.POINTER(ctypes.c_int64),
                                                  ctypes.c_size_t]
    lib.OVMS_InferenceRequestInputSetData.argtypes = [P, ctypes.c_char_p, P, ctypes.c_size_t, ctypes.c_uint32,
                                                      ctypes.c_uint32]
    lib.OVMS_Inference.argtypes = [P, P, ctypes.POINTER(P)]
    lib.OVMS_InferenceResponseOutput.argtypes = [P, ctypes.c_uint32, ctypes.POINTER(ctypes.c_char_p),
                                                 ctypes.POINTER(ctypes.c_uint32), ctypes.POINTER(P),
                                                 ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(P),
                                                 ctypes.POINTER(ctypes.c_size_t), ctypes.POINTER(ctypes.c_uint32),
                                                 ctypes.POINTER(ctypes.c_uint32)]
    lib.OVMS_StatusCode.argtypes = [P, ctypes.POINTER(ctypes.c_uint32)]
    lib.OVMS_StatusDetails.argtypes = [P, ctypes.POINTER(ctypes.c_char_p)]
    lib.OVMS_StatusDelete.argtypes = [P]
    lib.OVMS_SerializeMetadataToString.argtypes = [P, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_size_t)]
    lib.OVMS_ServerMetadataDelete.argtypes = [P]
    lib.OVMS_StringFree.argtypes = [ctypes.c_char_p]
    for name in ("OVMS_ServerDelete", "OVMS_InferenceRequestDelete", "OVMS_InferenceResponseDelete",
                 "OVMS_ServerSettingsDelete", "OVMS_ModelsSettingsDelete"):
        getattr(lib, name).argtypes = [P]
        getattr(lib, name).restype = None
    return lib


def status_of(lib, status):
    """(code, details) of a status, which is then freed; None for success."""
    if not status:
        return None
    code, details = ctypes.c_uint32(), ctypes.c_char_p()
    assert lib.OVMS_StatusCode(status, ctypes.byref(code)) is None
    assert lib.OVMS_StatusDetails(status, ctypes.byref(details)) is None
    result = (code.value, details.value.decode())
    lib.OVMS_StatusDelete(status)
    return result


@pytest.fixture(scope="module")
def server(lib, tmp_path_factory):
    config = tmp_path_factory.mktemp("cfg") / "config.json"
    config.write_text(json.dumps({"model_config_list": [{"config": {"name": "dummy", "base_path": str(DUMMY)}}]}))
    server, settings, models = P(), P(), P()
    assert status_of(lib, lib.OVMS_ServerNew(ctypes.byref(server))) is None
    assert status_of(lib, lib.OVMS_ServerSettingsNew(ctypes.byref(settings))) is None
    assert status_of(lib, lib.OVMS_ModelsSettingsNew(ctypes.byref(models))) is None
    assert status_of(lib, lib.OVMS_ModelsSettingsSetConfigPath(models, str(config).encode())) is None
    assert status_of(lib, lib.OVMS_ServerStartFromConfigurationFile(server, settings, models)) is None
    yield server
    lib.OVMS_ServerDelete(server)
    lib.OVMS_ServerSettingsDelete(settings)
    lib.OVMS_ModelsSettingsDelete(models)


def infer(lib, server, name, data):
    request, response = P(), P()
    assert status_of(lib, lib.OVMS_InferenceRequestNew(ctypes.byref(request), server, name.encode(), 0)) is None
    try:
        shape = (ctypes.c_int64 * 2)(*data.shape)
        assert status_of(lib, lib.OVMS_InferenceRequestAddInput(request, b"b", FP32, shape, 2)) is None
        assert status_of(lib, lib.OVMS_InferenceRequestInputSetData(request, b"b", data.ctypes.data, data.nbytes, CPU, 0)) is None
        error = status_of(lib, lib.OVMS_Inference(server, request, ctypes.byref(response)))
        if error:
            return error
        out_name, dtype, out_shape, dims = ctypes.c_char_p(), ctypes.c_uint32(), P(), ctypes.c_size_t()
        out_data, nbytes, buffer_type, device = P(), ctypes.c_size_t(), ctypes.c_uint32(), ctypes.c_uint32()
        assert status_of(lib, lib.OVMS_InferenceResponseOutput(
            response, 0, ctypes.byref(out_name), ctypes.byref(dtype), ctypes.byref(out_shape), ctypes.byref(dims),
            ctypes.byref(out_data), ctypes.byref(nbytes), ctypes.byref(buffer_type), ctypes.byref(device))) is None
        assert (out_name.value, dtype.value, dims.value, buffer_type.value, device.value) == (b"a", FP32, 2, CPU, 0)
        shape_out = tuple(ctypes.cast(out_shape, ctypes.POINTER(ctypes.c_int64))[i] for i in range(dims.value))
        values = np.ctypeslib.as_array(ctypes.cast(out_data, ctypes.POINTER(ctypes.c_float)), (nbytes.value // 4,))
        return values.reshape(shape_out).copy()
    finally:
        lib.OVMS_InferenceResponseDelete(response)
        lib.OVMS_InferenceRequestDelete(request)


def test_dummy_matches_openvino_python(lib, server):
    data = np.random.default_rng(7).standard_normal((1, 10)).astype(np.float32)
    ours = infer(lib, server, "dummy", data)
    compiled = ov.Core().compile_model(str(DUMMY / "1" / "model.xml"), "CPU")
    reference = compiled(data)[compiled.output(0)]
    np.testing.assert_array_equal(ours, reference)
    np.testing.assert_array_equal(ours, data + 1)


def test_unknown_servable_is_pipeline_definition_name_missing(lib, server):
    code, details = infer(lib, server, "no_such_model", np.zeros((1, 10), np.float32))
    assert code == PIPELINE_DEFINITION_NAME_MISSING
    assert details.startswith("Pipeline with requested name is not found")


def test_null_server_names_the_argument(lib):
    code, details = status_of(lib, lib.OVMS_ServerMetadata(None, None))
    assert (code, details) == (NONEXISTENT_PTR, "Tried to use nonexisting pointer - server")


def test_server_metadata_json(lib, server):
    metadata, text, size = P(), ctypes.c_char_p(), ctypes.c_size_t()
    assert status_of(lib, lib.OVMS_ServerMetadata(server, ctypes.byref(metadata))) is None
    assert status_of(lib, lib.OVMS_SerializeMetadataToString(metadata, ctypes.byref(text), ctypes.byref(size))) is None
    parsed = json.loads(text.value)
    assert list(parsed) == ["name", "version", "ov_version"]
    assert parsed["ov_version"] == ov.get_version()
    assert size.value == len(text.value)
    lib.OVMS_StringFree(text)
    assert status_of(lib, lib.OVMS_ServerMetadataDelete(metadata)) is None
