#!/usr/bin/env bash
# The main job: set up, build the library and the example C host, start a server on the
# bundled example models and run one inference.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
# cargo (run by the build) prints its "Finished" line on stderr; keep errors, drop that.
CARGO_TERM_QUIET=true cmake --build build --target minimal_app -j2 >/dev/null
build/minimal_app examples/config.json
