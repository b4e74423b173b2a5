"""The README's example runs as written from the source tree (the package on PYTHONPATH, the
library in target/release), in an empty folder. tests/test_wheel.py runs it with the wheel."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import PYTHON_DIR


def test_readme_example_runs_as_written(no_server, tmp_path):
    text = (PYTHON_DIR / "README.md").read_text()
    example = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    env = {**os.environ, "PYTHONPATH": str(PYTHON_DIR)}
    env.pop("OVMS_SHARED_LIB", None)
    result = subprocess.run([sys.executable, "-c", example], cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[[ 1.  2.  3.  4.  5.  6.  7.  8.  9. 10.]]"
