"""Makes the package importable from the source tree (no install needed) and provides one
shared server: the C API's server is a process singleton, so tests that start their own
(lifecycle, shutdown) close the shared one first, and the next test that needs it restarts it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

PYTHON_DIR = Path(__file__).resolve().parents[1]
if str(PYTHON_DIR) not in sys.path:
    sys.path.insert(0, str(PYTHON_DIR))

import numpy as np  # noqa: E402
import openvino as ov  # noqa: E402

from ovms_shared import Server  # noqa: E402

REPO = PYTHON_DIR.parent
MODELS = REPO / "models"

#: The shared server's models: name -> extra config keys.
SHARED_MODELS = {
    "dummy": {"nireq": 2},
    "add": {},
    "scalar": {},
    "passthrough": {},
    "increment": {},
    "fail_odd": {},
    "dummy_dyn": {},
    "versioned": {"model_version_policy": {"all": {}}},
}


def write_config(directory: Path, models: dict[str, dict], name: str = "config.json") -> Path:
    entries = [{"config": {"name": m, "base_path": str(MODELS / m), **extra}} for m, extra in models.items()]
    path = directory / name
    path.write_text(json.dumps({"model_config_list": entries}))
    return path


class _Shared:
    server: Server | None = None
    config: Path | None = None


@pytest.fixture(scope="session")
def shared_config(tmp_path_factory) -> Path:
    return write_config(tmp_path_factory.mktemp("shared"), SHARED_MODELS)


@pytest.fixture
def server(shared_config) -> Server:
    """The shared server, (re)started if a lifecycle test closed it."""
    if _Shared.server is None or _Shared.server.closed:
        _Shared.server = Server(shared_config, log_level="ERROR")
    return _Shared.server


@pytest.fixture
def no_server():
    """For tests that start their own server: the shared one is closed first."""
    if _Shared.server is not None:
        _Shared.server.close()
        _Shared.server = None
    yield


def pytest_sessionfinish(session, exitstatus):
    if _Shared.server is not None:
        _Shared.server.close()


@pytest.fixture(scope="session")
def reference():
    """OpenVINO's own Python API on the same model files: the independent reference.
    ``reference(model, inputs, version=1) -> {output name: array}``."""
    core = ov.Core()
    compiled = {}

    def run(model: str, inputs: dict[str, np.ndarray], version: int = 1) -> dict[str, np.ndarray]:
        key = (model, version)
        if key not in compiled:
            compiled[key] = core.compile_model(str(MODELS / model / str(version) / "model.xml"), "CPU")
        model_ = compiled[key]
        results = model_(inputs)
        return {out.get_any_name(): np.asarray(results[out]) for out in model_.outputs}

    return run
