"""Server state and metadata."""

from __future__ import annotations

import numpy as np
import pytest
import openvino as ov

from ovms_shared import DataType, OvmsError, ServableMetadata, ServableState, Server, TensorInfo


def test_live_ready(server):
    assert server.live is True and server.ready is True and not server.closed
    assert "open" in repr(server)


def test_server_metadata(server):
    metadata = server.metadata()
    assert metadata == {"name": "OpenVINO Model Server", "version": metadata["version"], "ov_version": ov.get_version()}


def test_servable_metadata_dummy(server):
    meta = server.servable_metadata("dummy")
    assert isinstance(meta, ServableMetadata) and meta.name == "dummy" and meta.version == 0
    assert list(meta.inputs) == ["b"] and list(meta.outputs) == ["a"]
    b = meta.inputs["b"]
    assert isinstance(b, TensorInfo)
    assert (b.name, b.datatype, b.dtype, b.shape, b.shape_min, b.shape_max) == ("b", DataType.FP32, np.float32, (1, 10), (1, 10), (1, 10))
    assert b.rank == 2 and not b.is_dynamic


def test_servable_metadata_dynamic_and_scalar(server):
    p = server.servable_metadata("passthrough")
    assert p.inputs["input"].datatype == DataType.U8 and p.inputs["input"].shape == (-1, -1)
    assert p.inputs["input"].is_dynamic and list(p.outputs) == ["copy:0"]
    s = server.servable_metadata("scalar")
    assert s.inputs["model_scalar_input"].shape == () and s.inputs["model_scalar_input"].rank == 0
    d = server.servable_metadata("dummy_dyn")
    assert d.inputs["b"].shape == (-1, 10)
    add = server.servable_metadata("add")
    assert list(add.inputs) == ["input1", "input2"] and list(add.outputs) == ["sum"]


def test_servable_metadata_matches_openvino(server):
    model = ov.Core().read_model(str(__import__("conftest").MODELS / "increment" / "1" / "model.xml"))
    meta = server.servable_metadata("increment")
    assert meta.inputs["input"].shape == tuple(model.input(0).get_partial_shape().to_shape())
    assert meta.outputs["output"].shape == tuple(model.output(0).get_partial_shape().to_shape())


def test_servable_state(server):
    assert server.servable_state("dummy") is ServableState.AVAILABLE
    assert server.servable_state("versioned", 1) == ServableState.AVAILABLE
    assert server.servable_state("versioned", np.int32(3)) == ServableState.AVAILABLE


def test_context_manager(no_server, shared_config):
    with Server(shared_config, log_level="ERROR") as server:
        assert server.ready
        out = server.infer("dummy", {"b": np.zeros((1, 10), np.float32)})
    assert server.closed and not server.live
    # Arrays from a closed server's responses stay valid: they own the response, not the server.
    np.testing.assert_array_equal(out["a"], np.ones((1, 10)))


def test_log_path_and_poll_settings(no_server, shared_config, tmp_path):
    log = tmp_path / "ovms.log"
    with Server(shared_config, log_level="DEBUG", log_path=log, file_system_poll_wait_seconds=0,
                cache_dir=tmp_path / "cache") as server:
        assert server.ready
    assert log.exists() and log.stat().st_size > 0


def test_enums_print_as_their_names(server):
    from ovms_shared import DataType, LogLevel, ServableState, StatusCode

    state = server.servable_state("dummy")
    assert str(state) == "ServableState.AVAILABLE" and f"{state}" == "ServableState.AVAILABLE"
    assert state == 2  # still an int
    assert str(DataType.FP32) == "DataType.FP32"
    assert str(LogLevel.ERROR) == "LogLevel.ERROR"
    assert str(StatusCode.NONEXISTENT_PTR) == "StatusCode.NONEXISTENT_PTR"


def test_slots_reports_the_pool(server):
    # dummy runs with nireq 2 in the shared config; nothing is in flight between tests.
    assert server.slots("dummy") == (2, 2, 0)
    with pytest.raises(OvmsError):
        server.slots("no_such_model")
