#!/usr/bin/env bash
# Installs Triton's load generator, perf_analyzer, into a venv of its own (.venv-perf), for the
# front-end benchmarks (scripts/bench.sh --frontends); the test suite does not use it, so
# setup.sh does not call this. Safe to run again: what is already there is kept.
#
# perf_analyzer is a C++ binary that ships inside the tritonclient 2.48.0 wheel (later wheels
# ship none or need a newer glibc). It links libb64 (Debian's libb64-0d) and libcudart.so.12,
# which the nvidia-cuda-runtime-cu12 wheel provides; it needs no GPU. The wheel is downloaded
# without its dependencies and only the binary is taken out of it. .venv-perf/bin/perf_analyzer
# is a wrapper that points LD_LIBRARY_PATH at the CUDA runtime and runs the binary.
#
#   scripts/setup_perf_analyzer.sh     then: .venv-perf/bin/perf_analyzer --version (or -h: usage)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

TRITONCLIENT_VERSION=2.48.0
CUDA_RUNTIME_VERSION=12.9.79
VENV=$ROOT/.venv-perf
WRAPPER=$VENV/bin/perf_analyzer
BINARY=$VENV/libexec/perf_analyzer-$TRITONCLIENT_VERSION

say() { echo "setup_perf_analyzer: $*"; }

if ! ldconfig -p | grep -q 'libb64\.so\.0d'; then
    say "installing libb64-0d (apt)"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libb64-0d >/dev/null
fi

[ -x "$VENV/bin/python" ] || {
    say "creating .venv-perf"
    python3 -m venv "$VENV"
}
export PIP_QUIET=1 PIP_DISABLE_PIP_VERSION_CHECK=1

cuda_lib() { # the CUDA runtime's lib folder inside .venv-perf, or nothing
    "$VENV/bin/python" - <<'PY' 2>/dev/null
import glob, os, nvidia.cuda_runtime as m
lib = os.path.join(list(m.__path__)[0], "lib")
if glob.glob(os.path.join(lib, "libcudart.so.12*")):
    print(lib)
PY
}
CUDA_LIB=$(cuda_lib || true)
if [ -z "$CUDA_LIB" ]; then
    say "installing nvidia-cuda-runtime-cu12==$CUDA_RUNTIME_VERSION into .venv-perf (libcudart.so.12)"
    "$VENV/bin/pip" install "nvidia-cuda-runtime-cu12==$CUDA_RUNTIME_VERSION"
    CUDA_LIB=$(cuda_lib)
fi

if [ ! -x "$BINARY" ]; then
    say "taking perf_analyzer out of the tritonclient==$TRITONCLIENT_VERSION wheel"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    "$VENV/bin/pip" download --no-deps -d "$tmp" "tritonclient==$TRITONCLIENT_VERSION"
    mkdir -p "$(dirname "$BINARY")"
    "$VENV/bin/python" - "$tmp"/tritonclient-"$TRITONCLIENT_VERSION"-*.whl "$BINARY.part" "$TRITONCLIENT_VERSION" <<'PY'
import shutil, sys, zipfile
wheel, out, version = sys.argv[1:]
with zipfile.ZipFile(wheel) as z, z.open(f"tritonclient-{version}.data/data/bin/perf_analyzer") as src, open(out, "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
    chmod +x "$BINARY.part"
    mv "$BINARY.part" "$BINARY"
fi

# Written every time, so a moved checkout or a new CUDA runtime path is picked up.
cat >"$WRAPPER" <<EOF
#!/bin/sh
# perf_analyzer $TRITONCLIENT_VERSION (from the tritonclient wheel), written by scripts/setup_perf_analyzer.sh.
LD_LIBRARY_PATH="$CUDA_LIB\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$BINARY" "\$@"
EOF
chmod +x "$WRAPPER"

# It has no --help (it prints its usage for any unknown option and exits 99); --version exits 0.
if ! version=$("$WRAPPER" --version 2>&1) || [[ $version != *"Version $TRITONCLIENT_VERSION"* ]]; then
    say "perf_analyzer does not run: $version" >&2
    exit 1
fi
say "ready ($version); run it as"
echo "    ${WRAPPER#"$ROOT"/} -m dummy -u 127.0.0.1:9000 -i grpc --concurrency-range 1:4"
echo "  or without the wrapper:"
echo "    LD_LIBRARY_PATH=${CUDA_LIB#"$ROOT"/} ${BINARY#"$ROOT"/} --help"
