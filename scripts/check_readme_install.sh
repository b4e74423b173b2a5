#!/usr/bin/env bash
# Runs README.md's CMake install sequence (the fenced block after `<!-- readme-install`) as
# written, in a fresh build folder and a fresh prefix, then builds and runs
# c_tests/package_consumer against the installed prefix with find_package. Only the folder
# names are swapped (`build` and `/opt/ovms_shared` for temporary ones); every other word runs
# as the README has it, so a README that misses a step fails here.
#
# The fresh build folder is seeded with one cache entry, OVMS_SHARED_PREBUILT_LIBRARY (the
# library scripts/setup.sh built), so the sequence stages that library instead of running cargo;
# OVMS_README_INSTALL_CARGO=1 leaves the folder empty and lets cargo run as it does for a user.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

commands=$(awk '/^<!-- readme-install/ {marked=1; next}
                marked && /^```/ {if (inside) exit; inside=1; next}
                inside {print}' README.md)
if [ -z "$commands" ]; then
    echo "check_readme_install: no fenced block after <!-- readme-install --> in README.md" >&2
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ovms_readme_install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
build="$tmp/build" prefix="$tmp/prefix"

run=$commands
for swap in "-B build|-B $build" "--build build|--build $build" "--install build|--install $build" \
            "--prefix /opt/ovms_shared|--prefix $prefix"; do
    from=${swap%%|*} to=${swap#*|}
    if [[ $run != *"$from"* ]]; then
        echo "check_readme_install: the README's install block has no '$from':" >&2
        echo "$commands" >&2
        exit 1
    fi
    run=${run//"$from"/"$to"}
done

mkdir -p "$build"
if [ "${OVMS_README_INSTALL_CARGO:-0}" != 1 ]; then
    library="$root/target/release/libovms_shared.so"
    [ -f "$library" ] || { echo "check_readme_install: $library is not built (run scripts/setup.sh)" >&2; exit 1; }
    echo "OVMS_SHARED_PREBUILT_LIBRARY:FILEPATH=$library" > "$build/CMakeCache.txt"
fi

echo "check_readme_install: README.md's install sequence:"
echo "$commands" | sed 's/^/    /'
echo "$run" > "$tmp/install.sh"
bash -euo pipefail "$tmp/install.sh" > "$tmp/install.log" 2>&1 || {
    tail -40 "$tmp/install.log" >&2
    echo "check_readme_install: the README's install sequence failed (log above)" >&2
    exit 1
}
for f in "$prefix/include/ovms.h" "$prefix/lib/libovms_shared.so" "$prefix/lib/cmake/ovms_shared/ovms_sharedConfig.cmake"; do
    [ -f "$f" ] || { echo "check_readme_install: $f was not installed" >&2; exit 1; }
done

echo "check_readme_install: building c_tests/package_consumer with find_package(ovms_shared)"
cmake -S c_tests/package_consumer -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_BUILD_TYPE=Release > "$tmp/consumer.log" 2>&1 &&
    cmake --build "$tmp/consumer" >> "$tmp/consumer.log" 2>&1 || {
    cat "$tmp/consumer.log" >&2
    exit 1
}
"$tmp/consumer/ovms_consumer"
echo "check_readme_install: ok"
