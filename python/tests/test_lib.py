"""Finding the library, and the ctypes declarations against include/ovms.h."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import PYTHON_DIR, REPO
from ovms_shared import _lib, api_version


def header_functions() -> dict[str, int]:
    """Every function declared in include/ovms.h -> its parameter count."""
    text = (REPO / "include" / "ovms.h").read_text()
    text = re.sub(r"//[^\n]*", "", text)
    found = {}
    for name, params in re.findall(r"\b(OVMS_\w+)\s*\(([^;{]*?)\)\s*;", text, re.S):
        if "(*" in params:
            continue
        params = params.strip()
        found[name] = 0 if params in ("", "void") else params.count(",") + 1
    return found


def test_every_header_function_is_declared_with_its_arity():
    functions = header_functions()
    assert len(functions) >= 66
    declared = {**_lib.SIGNATURES, **_lib.OPTIONAL_SIGNATURES}
    assert sorted(functions) == sorted(declared)
    for name, count in functions.items():
        assert len(declared[name][1]) == count, name


def test_loaded_library_has_the_declarations():
    lib = _lib.load_library()
    for name, (restype, argtypes) in _lib.SIGNATURES.items():
        fn = getattr(lib, name)
        assert fn.restype is restype and list(fn.argtypes) == list(argtypes), name


def test_api_version():
    assert api_version() == (1, 3)


def test_search_order(monkeypatch, tmp_path):
    monkeypatch.delenv(_lib.ENV_VAR, raising=False)
    candidates = _lib.candidates()
    assert candidates[0] == PYTHON_DIR / "ovms_shared" / "libovms_shared.abi3.so"  # a wheel's copy
    assert candidates[1] == PYTHON_DIR / "ovms_shared" / "libovms_shared.so"
    assert candidates[2] == REPO / "target" / "release" / "libovms_shared.so"
    fake = tmp_path / "libovms_shared.so"
    fake.write_bytes(b"")
    monkeypatch.setenv(_lib.ENV_VAR, str(fake))
    assert _lib.candidates()[0] == fake
    assert _lib.find_library() == fake


def test_env_var_pointing_nowhere_is_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv(_lib.ENV_VAR, str(tmp_path / "nope.so"))
    with pytest.raises(_lib.LibraryNotFoundError, match="OVMS_SHARED_LIB"):
        _lib.find_library()


def run_python(code: str, **env) -> subprocess.CompletedProcess:
    import os

    environ = {k: v for k, v in os.environ.items() if k != _lib.ENV_VAR}
    environ.update(env)
    return subprocess.run([sys.executable, "-c", code], cwd=PYTHON_DIR, env=environ, capture_output=True, text=True,
                          timeout=60)


def test_build_tree_is_found_without_env():
    result = run_python("import ovms_shared._lib as l; print(l.find_library())")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(REPO / "target" / "release" / "libovms_shared.so")


def test_missing_library_message_lists_the_places(tmp_path):
    result = run_python("import ovms_shared; ovms_shared.Server('x.json')", OVMS_SHARED_LIB=str(tmp_path / "x.so"))
    assert result.returncode != 0
    assert "LibraryNotFoundError" in result.stderr and "OVMS_SHARED_LIB" in result.stderr


def test_env_var_is_used(tmp_path):
    so = REPO / "target" / "release" / "libovms_shared.so"
    link = tmp_path / "libovms_shared.so"
    link.symlink_to(so)
    result = run_python("import ovms_shared, ovms_shared._lib as l; print(ovms_shared.api_version(), l.loaded_path())",
                        OVMS_SHARED_LIB=str(link))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["(1,", "3)", str(so)]


def test_import_does_not_load_the_library():
    result = run_python("import ovms_shared, ovms_shared._lib as l; print(l.loaded_path())",
                        OVMS_SHARED_LIB="/nonexistent/lib.so")
    assert result.returncode == 0 and result.stdout.strip() == "None", result.stderr


def test_interpreter_exit_with_requests_in_flight_and_no_close():
    """A script that never closes its server, with async requests in flight: the atexit hook
    stops the server before the interpreter finalizes, so no callback runs into a dead runtime."""
    code = f"""
import json, tempfile, numpy as np
from ovms_shared import Server
d = tempfile.mkdtemp()
open(d + '/c.json', 'w').write(json.dumps({{"model_config_list": [{{"config": {{"name": "dummy", "base_path": "{REPO / 'models' / 'dummy'}", "nireq": 1}}}}]}}))
server = Server(d + '/c.json', log_level='ERROR')
futures = [server.infer_async('dummy', {{'b': np.zeros((1, 10), np.float32)}}) for _ in range(300)]
print('submitted')
"""
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "submitted" and "Traceback" not in result.stderr


def test_library_is_a_cdll_so_calls_release_the_gil():
    import ctypes

    lib = _lib.load_library()
    assert type(lib) is ctypes.CDLL
    assert not lib._func_flags_ & ctypes._FUNCFLAG_PYTHONAPI
    assert not lib.OVMS_ServerDelete._flags_ & ctypes._FUNCFLAG_PYTHONAPI


def test_trampoline_is_created_once():
    from ovms_shared import _server

    first = _server._TRAMPOLINE
    import importlib

    assert importlib.import_module("ovms_shared._server")._TRAMPOLINE is first
    assert isinstance(first, _lib.COMPLETION_CALLBACK)
