#!/usr/bin/env bash
# Sets up everything the project needs on a fresh Debian machine with Rust: cmake and a C
# compiler (apt), a Python venv with the OpenVINO runtime from PyPI (.venv, which the library
# finds by itself) and the network clients the front-end tests use (tritonclient, kserve,
# prometheus_client), a release build of libovms_shared.so and of the `ovms` server binary, and
# the Python wheel installed into a venv of its own (.venv-wheel, for
# python/tests/test_wheel.py). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

OPENVINO_VERSION=2026.4.1
TRITONCLIENT_VERSION=2.73.0
KSERVE_VERSION=0.21.0
PROMETHEUS_CLIENT_VERSION=0.26.0

need_apt=()
command -v cmake >/dev/null || need_apt+=(cmake)
command -v g++ >/dev/null || need_apt+=(g++)
command -v valgrind >/dev/null || need_apt+=(valgrind)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: installing ${need_apt[*]}"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! .venv/bin/python -c "import openvino, numpy, pytest, onnx, yaml; assert openvino.__version__.startswith('$OPENVINO_VERSION')" 2>/dev/null; then
    echo "setup: creating .venv with openvino==$OPENVINO_VERSION"
    python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check "openvino==$OPENVINO_VERSION" numpy onnx pytest pyyaml
fi

# The real clients the front-end tests drive: Triton's (gRPC, HTTP and their asyncio variants),
# KServe's own, and Prometheus's text-format parser for /metrics. They share .venv with
# openvino, numpy and onnx without pip conflicts (tritonclient pins protobuf < 7 and
# ml_dtypes <= 0.5.4, which onnx accepts); a fresh install adds about two minutes. One limit:
# kserve and tritonclient.grpc cannot be imported into the same process (both register the
# protocol's `inference.*` protobuf messages, from differently named files), so a test drives
# kserve's clients in a subprocess of its own.
if ! .venv/bin/python - "$TRITONCLIENT_VERSION" "$KSERVE_VERSION" 2>/dev/null <<'PY'; then
import importlib.util, sys
from importlib.metadata import version
import tritonclient.grpc, tritonclient.grpc.aio, tritonclient.http, tritonclient.http.aio  # noqa: F401
import prometheus_client.parser  # noqa: F401
# Importing kserve takes about 5 s (kubernetes, fastapi, pandas): finding it is enough here.
assert importlib.util.find_spec("kserve") is not None
assert version("tritonclient") == sys.argv[1] and version("kserve") == sys.argv[2]
PY
    echo "setup: installing tritonclient[all]==$TRITONCLIENT_VERSION, kserve==$KSERVE_VERSION and prometheus_client into .venv"
    .venv/bin/pip install -q --disable-pip-version-check "tritonclient[all]==$TRITONCLIENT_VERSION" \
        "kserve==$KSERVE_VERSION" "prometheus_client==$PROMETHEUS_CLIENT_VERSION"
fi

# Builds every target of the package: the library and target/release/ovms.
echo "setup: building libovms_shared.so and the ovms binary"
cargo build --release --quiet

echo "setup: building the Python wheel, installing it into .venv-wheel"
# python/README.md's install commands, as written (tests/test_wheel.py checks they are here).
# The first install pulls numpy and openvino==$OPENVINO_VERSION from PyPI; the second replaces
# the package with this build even when its version did not change.
export PIP_QUIET=1 PIP_DISABLE_PIP_VERSION_CHECK=1
scripts/build_wheel.sh >/dev/null
[ -x .venv-wheel/bin/python ] || python3 -m venv .venv-wheel
.venv-wheel/bin/pip install target/wheels/ovms_shared-0.1.0-cp310-abi3-linux_x86_64.whl
.venv-wheel/bin/pip install --force-reinstall --no-deps target/wheels/ovms_shared-0.1.0-cp310-abi3-linux_x86_64.whl
