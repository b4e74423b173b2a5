#!/usr/bin/env bash
# The main job: set up, build the library and the example C host, start a server on the
# bundled example models and run one inference; then serve the same models with the `ovms`
# binary over gRPC and REST (KServe v2, loopback) and answer one request of each from
# Triton's real Python clients. Ports: $OVMS_EXAMPLE_GRPC_PORT / $OVMS_EXAMPLE_REST_PORT
# (default 9000 / 8000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
# cargo (run by the build) prints its "Finished" line on stderr; keep errors, drop that.
CARGO_TERM_QUIET=true cmake --build build --target minimal_app -j2 >/dev/null
echo "== the C host (in-process C API)"
build/minimal_app examples/config.json

grpc_port=${OVMS_EXAMPLE_GRPC_PORT:-9000}
rest_port=${OVMS_EXAMPLE_REST_PORT:-8000}
echo "== the ovms binary on 127.0.0.1:$grpc_port (gRPC) and 127.0.0.1:$rest_port (REST)"
target/release/ovms --config_path examples/config.json --port "$grpc_port" --rest_port "$rest_port" \
    --grpc_bind_address 127.0.0.1 --rest_bind_address 127.0.0.1 --log_level WARNING &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    if .venv/bin/python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$rest_port/v2/health/ready', timeout=1)" 2>/dev/null; then
        break
    fi
    kill -0 $server 2>/dev/null || { echo "the ovms binary exited"; exit 1; }
    sleep 0.1
done
.venv/bin/python examples/kserve_client.py "$grpc_port" "$rest_port"
kill -TERM $server
wait $server
trap - EXIT
echo "== the ovms binary stopped on SIGTERM"
