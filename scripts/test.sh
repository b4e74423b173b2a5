#!/usr/bin/env bash
# The whole test suite: Rust tests (incl. the header drift check), lint, the C suite under
# ctest, the README's install sequence, and the Python ctypes tests. What CI runs. Each stage
# prints how long it took.
set -euo pipefail
cd "$(dirname "$0")/.."

stage_started=$SECONDS
stage_name=""
stage() {
    if [ -n "$stage_name" ]; then
        echo "== $stage_name: $((SECONDS - stage_started)) s"
    fi
    stage_name=$1
    stage_started=$SECONDS
    [ -n "$stage_name" ] && echo "== $stage_name"
    return 0
}

stage "setup"
scripts/setup.sh

stage "document references"
scripts/check_doc_refs.sh

stage "cargo fmt / clippy"
cargo fmt --check
cargo clippy --release --all-targets --quiet -- -D warnings
cargo clippy --release --all-targets --quiet --features fault-injection --target-dir target/fault -- -D warnings

stage "cargo test"
cargo test --release

stage "C tests (ctest)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2
ctest --test-dir build --output-on-failure --label-exclude valgrind
# The valgrind runs two at a time: valgrind runs a program's threads one at a time, so each
# takes one core, and no two of them share a file or a port.
ctest --test-dir build --output-on-failure --label-regex valgrind --parallel 2

# After ctest: the fault-injection library it built is then up to date for the fresh build.
stage "README install sequence"
scripts/check_readme_install.sh

stage "Python tests (pytest)"
.venv/bin/python -m pytest -q python/tests

stage ""
echo "== all stages passed in $SECONDS s"
