"""The wheel works where a user puts it: installed (by scripts/setup.sh, as python/README.md
says) into a venv of its own, `.venv-wheel`, it runs the README's example from an empty folder
with no OVMS_* variable, loading the library from the wheel and OpenVINO from the `openvino`
package pip installed beside it. Nothing is built or downloaded here: setup.sh did that."""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from pathlib import Path

import pytest

from conftest import PYTHON_DIR, REPO

VENV = REPO / ".venv-wheel"
PYTHON = VENV / "bin" / "python"
EXPECTED = "[[ 1.  2.  3.  4.  5.  6.  7.  8.  9. 10.]]"


def blocks(path, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", path.read_text(), re.S)


def install_commands() -> list[str]:
    """The README's install block, comments dropped."""
    lines = [line.split("#")[0].strip() for line in blocks(PYTHON_DIR / "README.md", "sh")[0].splitlines()]
    return [line for line in lines if line]


def run(code: str, cwd, **env) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("OVMS_SHARED_LIB", "OVMS_OPENVINO_LIB", "PYTHONPATH", "VIRTUAL_ENV")}
    environ.update(env)
    return subprocess.run([str(PYTHON), "-c", code], cwd=cwd, env=environ, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope="module")
def wheel_venv():
    if not PYTHON.exists():
        pytest.fail(f"{VENV} is missing: run scripts/setup.sh (it builds the wheel and installs it there)")
    version = tomllib.loads((PYTHON_DIR / "pyproject.toml").read_text())["project"]["version"]
    site = run("import ovms_shared, pathlib; print(pathlib.Path(ovms_shared.__file__).parent)", REPO)
    assert site.returncode == 0, site.stderr
    installed = Path(site.stdout.strip())
    assert installed.is_relative_to(VENV), f"ovms_shared imported from {installed}, not from the wheel"
    # The wheel is this source tree's: stale if setup.sh has not run since a change.
    for source in (PYTHON_DIR / "ovms_shared").glob("*.py"):
        assert (installed / source.name).read_text() == source.read_text(), \
            f"{VENV} holds an older {source.name}: run scripts/setup.sh"
    assert f"ovms_shared-{version}-" in " ".join(install_commands())
    return installed


def test_setup_runs_the_readme_install_commands():
    setup = (REPO / "scripts" / "setup.sh").read_text()
    commands = install_commands()
    assert commands[0] == "scripts/build_wheel.sh" and len(commands) == 3
    for command in commands:
        assert command in setup, f"scripts/setup.sh does not run {command!r}"


def test_both_readmes_carry_the_same_install_and_example():
    top = (REPO / "README.md").read_text()
    assert blocks(PYTHON_DIR / "README.md", "sh")[0] in top
    assert blocks(PYTHON_DIR / "README.md", "python")[0] in top


def test_readme_example_runs_from_another_folder(wheel_venv, tmp_path):
    example = blocks(PYTHON_DIR / "README.md", "python")[0]
    result = run(example, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == EXPECTED


def test_library_and_runtime_come_from_the_venv(wheel_venv, tmp_path):
    code = ("import os, ovms_shared, ovms_shared._lib as l; print(ovms_shared.api_version()); "
            "print(l.loaded_path()); print(os.environ['OVMS_OPENVINO_LIB']); print(l.candidates())")
    result = run(code, tmp_path)
    assert result.returncode == 0, result.stderr
    version, library, runtime, candidates = result.stdout.splitlines()
    assert version == "(1, 3)"
    assert library == str(wheel_venv / "libovms_shared.abi3.so")
    assert re.fullmatch(re.escape(str(VENV)) + r"/lib/python3[.\d]+/site-packages/openvino/libs/libopenvino_c\.so\.\d+",
                        runtime), runtime
    assert "target" not in candidates  # no build tree beside site-packages


def test_an_explicit_openvino_lib_wins(wheel_venv, tmp_path):
    bogus = tmp_path / "libopenvino_c.so.0"
    bogus.write_bytes(b"not a library")
    code = ("from ovms_shared import Server\n"
            "try:\n    Server('config.json', log_level='ERROR')\nexcept Exception as e:\n    print(type(e).__name__, e)")
    (tmp_path / "config.json").write_text('{"model_config_list": []}')
    result = run(code, tmp_path, OVMS_OPENVINO_LIB=str(bogus))
    assert result.returncode == 0, result.stderr
    assert "OvmsError" in result.stdout and "INTERNAL_ERROR" in result.stdout, result.stdout
    assert f"$OVMS_OPENVINO_LIB: {bogus} cannot be loaded" in result.stdout, result.stdout
