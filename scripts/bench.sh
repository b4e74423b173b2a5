#!/usr/bin/env bash
# Benchmarks libovms_shared against bare OpenVINO and OpenVINO's benchmark_app, and writes
# BENCHMARKS.md (with bench/throughput_vs_threads.png).
#
#   scripts/bench.sh            full run, about 18 minutes + 13 for the front ends: BENCHMARKS.md + PNG
#   scripts/bench.sh --quick    under 3 minutes (dummy + MobileNet only): target/bench/quick/BENCHMARKS.md
#   scripts/bench.sh --frontends   the network front ends alone, about 13 minutes (1 round with
#                               --quick): target/bench/frontends/frontends/FRONTENDS.md
#
# Each experiment runs its sides in turn, in fresh processes, for several rounds (ours, bare,
# [benchmark_app]; then [benchmark_app], bare, ours; ...) and the report compares medians. The hosts are
# bench/capi_benchmark.c (OVMS's capi_benchmark in C on our ovms.h) and bench/bare_openvino.c
# (the same model, device, hint and nireq through OpenVINO's C API, no serving layer); both
# are built here with gcc -O2 (bench/Makefile). Conv nets come from scripts/make_bench_models.py
# (random weights, generated on demand into target/bench_models/, never committed).
# The front-end section (full run and --frontends) drives target/release/ovms over gRPC and REST
# with perf_analyzer (scripts/setup_perf_analyzer.sh) against the bare servers of bench/frontends
# and the in-process C API; bench/frontends/report.py prints its table and ratios, and the line
#   bench frontends: grpc_ratio=<worst ours/bare tonic, dummy> rest_ratio=<worst ours/bare axum>
#          resnet50_grpc_vs_capi=<ours gRPC / C API async, 4 in flight> resnet50_ceiling=<C API beside that
#          gRPC traffic to bare tonic / C API alone> grpc_added_p50_us=<dummy, c 1>
# just before the last line (with --frontends, it is the last line).
#
# The last line printed is
#   bench: sync_overhead_us=<ours-bare p50, dummy, 1 thread> async_ratio=<ours/bare async, dummy, nireq 4>
#          convnet_ratio=<ours/benchmark_app, MobileNet, THROUGHPUT, nireq 4> rss_growth_kib=<over 1M sync requests>
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

QUICK=0 FRONTENDS_ONLY=0
for arg in "$@"; do
    case $arg in
    --quick) QUICK=1 ;;
    --frontends) FRONTENDS_ONLY=1 ;;
    -h | --help)
        sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        echo "bench.sh: unknown argument $arg (use --quick, --frontends or --help)" >&2
        exit 64
        ;;
    esac
done

START=$(date +%s)
say() { echo "[bench $(($(date +%s) - START))s] $*"; }

PY=$ROOT/.venv/bin/python
BENCHMARK_APP=$ROOT/.venv/bin/benchmark_app
if [[ ! -x $PY ]] || ! "$PY" -c 'import openvino, numpy' 2>/dev/null; then
    say "no .venv with openvino: running scripts/setup.sh"
    scripts/setup.sh
fi

if ((FRONTENDS_ONLY)); then
    RUN=$ROOT/target/bench/frontends
elif ((QUICK)); then RUN=$ROOT/target/bench/quick; else RUN=$ROOT/target/bench/full; fi
# The front-end section runs in the full run and alone with --frontends.
FRONTENDS=$((FRONTENDS_ONLY || !QUICK))
rm -rf "$RUN"
mkdir -p "$RUN/raw" "$RUN/cfg"
RESULTS=$RUN/results.txt DESC=$RUN/desc.txt CMDS=$RUN/commands.txt ENVF=$RUN/env.txt
: >"$RESULTS"
: >"$DESC"
: >"$CMDS"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)

# ------------------------------------------------------------------ build
say "building libovms_shared.so (cargo build --release) and the C hosts (bench/Makefile)"
cargo build --release --quiet
make -s -C bench OUT="$ROOT/target/bench" all
CAPI=$ROOT/target/bench/capi_benchmark
BARE=$ROOT/target/bench/bare_openvino
if ((FRONTENDS)); then
    say "building the bare front-end servers (bench/frontends) and installing perf_analyzer (.venv-perf)"
    cargo build --release --quiet --manifest-path bench/frontends/Cargo.toml --target-dir "$ROOT/target/bench_frontends"
    scripts/setup_perf_analyzer.sh | sed 's/^/    /'
fi

MODELS=(mobilenet)
((QUICK)) || MODELS+=(resnet50)
((FRONTENDS_ONLY)) && MODELS=(resnet50)
say "models: ${MODELS[*]} (scripts/make_bench_models.py)"
"$PY" scripts/make_bench_models.py "${MODELS[@]}" | sed 's/^/    /'
DUMMY_DIR=$ROOT/models/dummy
MOBILENET_DIR=$ROOT/target/bench_models/mobilenet
RESNET_DIR=$ROOT/target/bench_models/resnet50

if ((!QUICK && !FRONTENDS_ONLY)) && ! "$PY" -c 'import matplotlib' 2>/dev/null; then
    say "installing matplotlib into .venv for the plot"
    "$ROOT/.venv/bin/pip" install -q --disable-pip-version-check matplotlib >/dev/null 2>&1 ||
        say "matplotlib could not be installed: the report draws a plain PNG itself"
fi

# ------------------------------------------------------------------ environment
{
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "root=$ROOT"
    echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1), $(lscpu | sed -n 's/^Flags:.*\(avx512f\).*/AVX-512/p;' | head -1)$(grep -q amx_bf16 /proc/cpuinfo && echo ', AMX-BF16')"
    echo "cores=$(nproc)"
    echo "mem=$(free -h | awk '/^Mem:/{print $2}')"
    echo "os=$(. /etc/os-release && echo "$PRETTY_NAME")"
    echo "kernel=$(uname -r)"
    # The front-end section's servers run in sessions of their own (start_server): that only
    # shares the cores between server and client when the kernel groups by session.
    echo "autogroup=$([[ $(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null) == 1 ]] && echo "on: each session is a scheduling group" || echo "off: threads share the cores one by one")"
    echo "openvino=$("$PY" -c 'import openvino; print(openvino.__version__)') (PyPI wheel; libopenvino_c.so from .venv)"
    echo "gcc=$(gcc --version | head -1) -O2"
    echo "rustc=$(rustc --version)"
    dirty=$(git status --porcelain -- src Cargo.toml Cargo.lock 2>/dev/null | wc -l)
    echo "library=$(git rev-parse --short HEAD 2>/dev/null || echo '?')$( ((dirty)) && echo " + uncommitted changes in $dirty file(s) of src/")"
    echo "load=$LOAD_BEFORE"
} >"$ENVF"

# ------------------------------------------------------------------ helpers
rel() { local s="$*"; echo "${s//$ROOT\//}"; }

# config NAME MODEL_DIR SERVABLE NIREQ HINT: an OVMS config.json with one model.
config() {
    local file=$RUN/cfg/$1.json
    printf '{"model_config_list":[{"config":{"name":"%s","base_path":"%s","nireq":%s,"plugin_config":{"PERFORMANCE_HINT":"%s","PERFORMANCE_HINT_NUM_REQUESTS":"%s"}}}]}\n' \
        "$3" "$2" "$4" "$5" "$4" >"$file"
    echo "$file"
}

# describe EXP TITLE key=value...: one line of desc.txt.
describe() {
    local exp=$1 title=$2
    shift 2
    echo "exp=$exp $* title=\"$title\"" >>"$DESC"
}

# Other processes on the machine (a build, a test run) distort the numbers. Before each run
# wait (up to QUIET_MAX s) until the machine is idle; after it, compare the machine's busy
# time (/proc/stat) with the CPU time of the run itself (bash `times`): if others used more
# than FOREIGN_MAX % of the machine during the run, run that round again (up to ATTEMPTS).
CLK=$(getconf CLK_TCK)
NCPU=$(nproc)
FOREIGN_MAX=10
read_stat() {
    local _cpu u n s i w q sq st
    read -r _cpu u n s i w q sq st _ </proc/stat
    BUSY=$((u + n + s + q + sq + st))
    TOTAL=$((BUSY + i + w))
}
child_cpu_ms() { # CPU time of all finished children of this shell, in ms, into CHILD_MS
    times >"$RUN/.times"
    CHILD_MS=$(awk 'NR==2 { s = 0; for (i = 1; i <= 2; i++) { split($i, a, "m"); sub("s", "", a[2]); s += a[1] * 60 + a[2] } printf "%d", s * 1000 }' "$RUN/.times")
}
# The servers of the front-end section run beside the measured client: their CPU time (from
# /proc) counts as the run's own, not as other processes'.
SERVER_PIDS=()
server_cpu_ms() { # CPU time of the servers in SERVER_PIDS, in ms, into SERVER_MS
    local pid ticks=0 t
    for pid in "${SERVER_PIDS[@]}"; do
        # utime and stime are fields 14 and 15; the name in (...) may hold spaces.
        t=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{ print $12 + $13 }') || t=0
        ticks=$((ticks + ${t:-0}))
    done
    SERVER_MS=$((ticks * 1000 / CLK))
}
WAITED=0
wait_quiet() {
    local b0 t0 pct tries=0
    while :; do
        read_stat
        b0=$BUSY t0=$TOTAL
        sleep 0.2
        read_stat
        pct=$((100 * (BUSY - b0) / (TOTAL - t0 > 0 ? TOTAL - t0 : 1)))
        ((pct < 15)) && return 0
        if ((tries == 0)); then say "  machine busy ($pct% of $NCPU CPUs used by other processes): waiting up to ${QUIET_MAX}s"; fi
        if ((tries >= QUIET_MAX)); then
            say "  still busy ($pct%): running anyway"
            return 0
        fi
        sleep 0.8
        tries=$((tries + 1))
        WAITED=$((WAITED + 1))
    done
}

FAILED=0 RETRIED=0
# run_one EXP ROUND SIDE CMD...: runs one process, appends its result line.
run_one() {
    local exp=$1 round=$2 side=$3
    shift 3
    local log=$RUN/raw/$exp.$side.r$round.log line attempt foreign b0 t0 c0 w0 wall_ms
    if ! grep -q "^exp=$exp side=$side " "$CMDS"; then
        echo "exp=$exp side=$side cmd=\"$(rel "$@")\"" >>"$CMDS"
    fi
    for ((attempt = 1; attempt <= ATTEMPTS; attempt++)); do
        wait_quiet
        read_stat
        b0=$BUSY
        child_cpu_ms
        server_cpu_ms
        c0=$((CHILD_MS + SERVER_MS))
        w0=$(date +%s%N)
        if ! "$@" >"$log" 2>&1; then
            FAILED=$((FAILED + 1))
            say "FAILED ($exp $side round $round): $(rel "$@")"
            tail -3 "$log" | sed 's/^/    /'
            return 0
        fi
        wall_ms=$((($(date +%s%N) - w0) / 1000000))
        child_cpu_ms
        server_cpu_ms
        read_stat
        foreign=$(awk -v b=$((BUSY - b0)) -v clk="$CLK" -v c=$((CHILD_MS + SERVER_MS - c0)) -v w="$wall_ms" -v n="$NCPU" \
            'BEGIN { f = (b * 1000 / clk - c) / (w * n) * 100; if (f < 0) f = 0; printf "%.1f", f }')
        if awk -v f="$foreign" -v m="$FOREIGN_MAX" 'BEGIN { exit !(f <= m) }' || ((attempt == ATTEMPTS)); then
            break
        fi
        RETRIED=$((RETRIED + 1))
        say "  $exp $side round $round: other processes used $foreign% of the machine: again"
    done
    if [[ $side == benchmark_app ]]; then
        local fps med avg count
        fps=$(sed -n 's/.*Throughput: *\([0-9.]*\) FPS.*/\1/p' "$log" | tail -1)
        med=$(sed -n 's/.*Median: *\([0-9.]*\) ms.*/\1/p' "$log" | tail -1)
        avg=$(sed -n 's/.*Average: *\([0-9.]*\) ms.*/\1/p' "$log" | tail -1)
        count=$(sed -n 's/.*Count: *\([0-9]*\) iterations.*/\1/p' "$log" | tail -1)
        line="side=benchmark_app fps=${fps:-nan} p50_us=$(awk -v m="${med:-nan}" 'BEGIN{print m*1000}') avg_ms=${avg:-nan} completed=${count:-0}"
    else
        line=$(grep -m1 '^RESULT ' "$log" | cut -d' ' -f2-)
        [[ -n $line ]] || line="side=$side fps=nan"
    fi
    echo "exp=$exp round=$round $line foreign_cpu_pct=$foreign attempts=$attempt" >>"$RESULTS"
}

# rounds EXP N BUILDER: for each round r, BUILDER r sets the arrays OURS, BARE_CMD and APP
# (empty = that side does not run); the sides then run in turn.
# Odd rounds run ours first, even rounds last (ours, bare, app; app, bare, ours; ...): the
# host's speed drifts within seconds (PROFILES.md section 14), and a fixed order would let
# that drift lean the same way in every round.
rounds() {
    local exp=$1 n=$2 builder=$3 r side order
    for ((r = 1; r <= n; r++)); do
        OURS=() BARE_CMD=() APP=()
        "$builder" "$r"
        order=(ours bare benchmark_app)
        ((r % 2)) || order=(benchmark_app bare ours)
        for side in "${order[@]}"; do
            case $side in
            ours) ((${#OURS[@]})) && run_one "$exp" "$r" ours "${OURS[@]}" ;;
            bare) ((${#BARE_CMD[@]})) && run_one "$exp" "$r" bare "${BARE_CMD[@]}" ;;
            benchmark_app) ((${#APP[@]})) && run_one "$exp" "$r" benchmark_app "${APP[@]}" ;;
            esac
        done
    done
    return 0
}

# niter_for SECONDS MIN CMD...: runs CMD (a short bare run) and scales its FPS to SECONDS.
niter_for() {
    local secs=$1 min=$2 fps
    shift 2
    wait_quiet >&2 # its notes must not end up in the number this prints
    fps=$("$@" 2>/dev/null | sed -n 's/^RESULT .* fps=\([0-9.]*\) .*/\1/p')
    awk -v f="${fps:-0}" -v s="$secs" -v m="$min" 'BEGIN{n=int(f*s); if(n<m)n=m; print n}'
}

summary() {
    # prints "<ours median> / <bare median> [/ <benchmark_app median>]" of a key for progress lines
    "$PY" - "$RESULTS" "$1" "$2" <<'EOF'
import shlex, statistics, sys
path, exp, key = sys.argv[1:]
by = {}
for line in open(path):
    kv = dict(t.split("=", 1) for t in shlex.split(line) if "=" in t)
    if kv.get("exp") == exp and kv.get(key) not in (None, "nan"):
        by.setdefault(kv["side"], []).append(float(kv[key]))
print(", ".join(f"{s} {statistics.median(v):.4g}" for s, v in by.items()))
EOF
}

if ((QUICK)); then
    R_SYNC=3 R_ASYNC=3 R_CONV=5 SECS_CONV=2 NITER_SYNC=100000 ATTEMPTS=2 QUIET_MAX=10
else
    R_SYNC=5 R_ASYNC=5 R_CONV=7 SECS_CONV=4 NITER_SYNC=200000 ATTEMPTS=3 QUIET_MAX=60
fi

# ------------------------------------------------------------------ 7. network front ends (defined here, run last; or alone with --frontends)
# target/release/ovms serves the dummy over gRPC and REST and the ResNet-50-shaped net over gRPC;
# perf_analyzer drives it at each concurrency in FE_CONCURRENCY, one level per process, and drives
# the bare tonic and bare axum servers of bench/frontends (fixed dummy-shaped answers, no model)
# the same way. bench/capi_benchmark, with the same config.json, gives the in-process numbers:
# sync, 1 thread on the dummy (for the latency gRPC adds) and async, 4 in flight, on ResNet-50.
# Each round restarts every server; ours and bare alternate run by run. The results go to their own files in $RUN/frontends, which
# bench/frontends/report.py reads (BENCHMARKS.md's own tables never see them).
((QUICK)) && R_FE=1 || R_FE=3
FE_CONCURRENCY=(1 4 16)
# perf_analyzer: 2 s windows; a measurement is stable when its last 3 windows agree within 50 %
# (this shared machine rarely meets the default 10 %), else it tries up to 8 windows and fails.
PA_WINDOW_MS=2000 PA_STABILITY=50 PA_TRIALS=8
# A perf_analyzer run that has not ended by then is stopped and counted as failed. At very high
# rates its passes get slower and slower: against bare axum at concurrency 16 (about 42k
# requests/s) the first 2 s window took 7 s, the second 34 s, and a run once went 8 minutes
# without an answer while holding 13 GB.
PA_TIMEOUT_S=120
# The cause: perf_analyzer's main thread summarizes each window, and on 2 cores its own sender
# threads (one per request in flight) and the server leave it too little CPU, so requests pile up
# and each summary grows (bench/PROFILES.md section 16). Once the senders run, pa_run raises the
# main thread alone to this nice value (it needs root; without it the runs go as before).
PA_MAIN_NICE=-10
# OVMS_BIN=... benchmarks another build of the server (same command line).
OVMS_BIN=${OVMS_BIN:-$ROOT/target/release/ovms}
PERF_ANALYZER=$ROOT/.venv-perf/bin/perf_analyzer
BARE_TONIC=$ROOT/target/bench_frontends/release/bare_tonic
BARE_AXUM=$ROOT/target/bench_frontends/release/bare_axum

# Every server (ours, the bare ones, and the C API where it serves beside perf_analyzer's
# traffic) runs in a session of its own. With the kernel's autogroup on, the scheduler then
# shares the two cores between the server's session and the client's, as between two pods'
# cgroups in a deployment, and not thread by thread: perf_analyzer runs one thread per request
# in flight, and thread by thread its 17 threads at concurrency 16 left a one-thread server
# 0.38 of a core, preempted 5,000-7,000 times a second (bench/PROFILES.md section 17). Both
# sides of every ratio run this way. env.txt records whether autogroup was on.
SERVER_SESSION=(setsid --wait)
# start_server NAME CMD...: runs the server CMD in the background, in a session of its own
# (log: raw/server.NAME.rROUND.log).
start_server() {
    local name=$1
    shift
    start_load "$name" "${SERVER_SESSION[@]}" "$@"
}
# start_load NAME CMD...: as start_server, for a client load: it stays in the bench's session.
start_load() {
    local name=$1
    shift
    if ! grep -q "^exp=servers side=$name " "$CMDS"; then
        echo "exp=servers side=$name cmd=\"$(rel "$@")\"" >>"$CMDS"
    fi
    "$@" >"$RUN/raw/server.$name.r$FE_ROUND.log" 2>&1 &
    SERVER_PIDS+=($!)
}
stop_servers() {
    local pid
    for pid in "${SERVER_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${SERVER_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    SERVER_PIDS=()
}
# await TARGET...: until each http:// URL answers 200 and each bare port number accepts a
# connection, while every server is still running; at most 180 s (a conv net compiles first).
await() {
    local target pid deadline=$((SECONDS + 180))
    for target in "$@"; do
        until if [[ $target == http* ]]; then curl -fs -o /dev/null "$target"; else (exec 3<>"/dev/tcp/127.0.0.1/$target") 2>/dev/null; fi; do
            for pid in "${SERVER_PIDS[@]}"; do
                kill -0 "$pid" 2>/dev/null || {
                    say "FAILED: a server exited before $target answered (logs: $(rel "$RUN/raw")/server.*.r$FE_ROUND.log)"
                    FAILED=$((FAILED + 1))
                    return 1
                }
            done
            if ((SECONDS >= deadline)); then
                say "FAILED: nothing answered at $target in 180 s"
                FAILED=$((FAILED + 1))
                return 1
            fi
            sleep 0.2
        done
    done
}
# boost_main_thread JOB INFLIGHT: once perf_analyzer (the child of JOB, a `timeout`) has more
# threads than INFLIGHT (its senders exist, so none of them inherits the change), and a second
# later, gives its main thread alone the nice value PA_MAIN_NICE. Waits at most 10 s.
boost_main_thread() {
    local job=$1 inflight=$2 pa="" i
    for ((i = 0; i < 100; i++)); do
        [[ -n $pa ]] || pa=$(pgrep -P "$job" | head -1)
        if [[ -n $pa ]] && (($(ls "/proc/$pa/task" 2>/dev/null | wc -l) > inflight)); then
            sleep 1
            renice -n $PA_MAIN_NICE -p "$pa" >/dev/null 2>&1 ||
                echo "bench: perf_analyzer's main thread keeps its nice value (renice needs root)" >&2
            return 0
        fi
        kill -0 "$job" 2>/dev/null || return 0
        sleep 0.1
    done
}
# pa_run SIDE CSV ARGS...: one perf_analyzer run (ARGS plus the window settings); prints its CSV
# row as a RESULT line for run_one.
pa_run() {
    local side=$1 csv=$2
    shift 2
    rm -f "$csv"
    timeout --kill-after=10 $PA_TIMEOUT_S "$PERF_ANALYZER" "$@" -p $PA_WINDOW_MS -s $PA_STABILITY -r $PA_TRIALS -f "$csv" &
    local job=$! inflight=1 i
    for ((i = 1; i < $#; i++)); do
        [[ ${!i} == --concurrency-range ]] && { i=$((i + 1)) && inflight=${!i%%:*}; }
    done
    boost_main_thread $job "$inflight"
    wait $job || return 1
    awk -F, -v side="$side" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
        NR == 2 { printf "RESULT side=%s concurrency=%s fps=%s p50_us=%s p90_us=%s p99_us=%s\n", side,
                  $col["Concurrency"], $col["Inferences/Second"], $col["p50 latency"], $col["p90 latency"], $col["p99 latency"] }' "$csv"
}
# as_side SIDE CMD...: runs a bench host and renames the side of its RESULT line.
as_side() {
    local side=$1
    shift
    "$@" | sed "s/^RESULT side=[^ ]*/RESULT side=$side/"
}
# fe_dummy_runs ROUND PROTOCOL OURS_PORT BARE_PORT: perf_analyzer on the dummy at each
# concurrency, ours then bare (ours is skipped without an ovms binary).
fe_dummy_runs() {
    local r=$1 protocol=$2 c side port
    for c in "${FE_CONCURRENCY[@]}"; do
        for side in ours bare; do
            if [[ $side == ours ]]; then
                ((have_ours)) || continue # frontends()'s
                port=$3
            else
                port=$4
            fi
            run_one fe_${protocol}_dummy_c$c "$r" $side pa_run $side "$RUN/raw/fe_${protocol}_dummy_c$c.$side.r$r.csv" \
                -m dummy -u "127.0.0.1:$port" -i "${protocol/rest/http}" --concurrency-range "$c"
        done
    done
}

# capi_beside_traffic ROUND CONFIG PORT NITER: the share of the two cores that perf_analyzer and the
# transport take at the ResNet-50-shaped gRPC point, as a ceiling for ours there. perf_analyzer
# sends ResNet-50-shaped requests at ours' gRPC rate of this round (concurrency 4) to bare tonic
# (--like resnet50: it answers a fixed 4 KB output and runs no model), while the C API runs the
# model, async with 4 in flight, in its own process. Both servers count as the run's own CPU.
capi_beside_traffic() {
    local r=$1 cfg=$2 port=$3 niter=$4 rate
    rate=$(sed -n "s/^exp=fe_grpc_resnet50_c4 round=$r side=ours .* fps=\([0-9]*\).*/\1/p" "$RESULTS" | tail -1)
    if [[ -z $rate || $rate == 0 ]]; then
        say "  round $r: no gRPC rate of ours at concurrency 4: no C API run beside its traffic"
        return 0
    fi
    say "  round $r: C API, ResNet-50-shaped async 4 in flight, beside $rate requests/s of its gRPC traffic to bare tonic"
    start_server bare_tonic_resnet50 "$BARE_TONIC" --port "$port" --model resnet50 --like resnet50
    if await "$port"; then
        # One long window: it runs until stopped, after the C API's run.
        start_load traffic "$PERF_ANALYZER" -m resnet50 -u "127.0.0.1:$port" -i grpc \
            --request-rate-range "$rate" -p 600000 -r 1
        sleep 2
        run_one fe_grpc_resnet50_c4 "$r" capi_traffic as_side capi_traffic "${SERVER_SESSION[@]}" "$CAPI" --config_path "$cfg" \
            --servable_name resnet50 --async --inflight 4 --niter "$niter" --warmup 8 --seed "$r"
    fi
    stop_servers
}

frontends() {
    local fe=$RUN/frontends r c have_ours=1 niter_resnet ports grpc_port rest_port tonic_port axum_port
    local saved=("$RESULTS" "$DESC" "$CMDS")
    mkdir -p "$fe"
    RESULTS=$fe/results.txt DESC=$fe/desc.txt CMDS=$fe/commands.txt
    : >"$RESULTS"
    : >"$DESC"
    : >"$CMDS"
    trap stop_servers EXIT
    # Four free loopback ports: ours gRPC, ours REST, bare tonic, bare axum.
    ports=$("$PY" -c 'import socket
socks = [socket.socket() for _ in range(4)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
    read -r grpc_port rest_port tonic_port axum_port <<<"$ports"
    local cfg_dummy cfg_resnet ours_args
    # The dummy with CPU's default hint, LATENCY (with THROUGHPUT the CPU plugin hands even a
    # sync inference to its stream threads, so the transport's cost drowns in OpenVINO's).
    cfg_dummy=$(config fe_dummy_latency_nireq4 "$DUMMY_DIR" dummy 4 LATENCY)
    cfg_resnet=$(config fe_resnet50_throughput_nireq4 "$RESNET_DIR" resnet50 4 THROUGHPUT)
    ours_args=(--port "$grpc_port" --rest_port "$rest_port" --grpc_bind_address 127.0.0.1 --rest_bind_address 127.0.0.1
        --file_system_poll_wait_seconds 0 --log_level WARNING)
    for c in "${FE_CONCURRENCY[@]}"; do
        describe fe_grpc_dummy_c$c "dummy, gRPC, concurrency $c" protocol=grpc model=dummy concurrency=$c
    done
    for c in "${FE_CONCURRENCY[@]}"; do
        describe fe_rest_dummy_c$c "dummy, REST, concurrency $c" protocol=rest model=dummy concurrency=$c
    done
    for protocol in grpc rest; do
        for c in "${FE_CONCURRENCY[@]}"; do
            describe fe_${protocol}_resnet50_c$c "ResNet-50-shaped, $([[ $protocol == grpc ]] && echo gRPC || echo REST), concurrency $c (C API: async, $c in flight)" \
                protocol=$protocol model=resnet50 concurrency=$c
        done
    done
    if [[ ! -x $OVMS_BIN ]]; then
        have_ours=0
        say "front ends: no $(rel "$OVMS_BIN") (cargo build --release builds it): only the bare servers and the C API run"
    fi
    niter_resnet=$(niter_for 4 50 "$BARE" --model "$RESNET_DIR/1/model.xml" --hint THROUGHPUT --hint_num_requests 4 --nireq 4 --async --inflight 4 --niter 60 --warmup 4)
    say "front ends: perf_analyzer at concurrency ${FE_CONCURRENCY[*]}, $R_FE round(s), ${PA_WINDOW_MS} ms windows"
    for ((r = 1; r <= R_FE; r++)); do
        FE_ROUND=$r
        # All three up at once (idle ones cost nothing), so ours and bare alternate run by run.
        say "  round $r: dummy on ovms (gRPC :$grpc_port, REST :$rest_port), bare tonic (:$tonic_port), bare axum (:$axum_port)"
        local ready=("http://127.0.0.1:$axum_port/v2/health/ready" "$tonic_port")
        if ((have_ours)); then
            start_server ovms_dummy "$OVMS_BIN" --config_path "$cfg_dummy" "${ours_args[@]}"
            ready+=("http://127.0.0.1:$rest_port/v2/models/dummy/ready" "$grpc_port")
        fi
        start_server bare_tonic "$BARE_TONIC" --port "$tonic_port"
        start_server bare_axum "$BARE_AXUM" --port "$axum_port"
        if await "${ready[@]}"; then
            fe_dummy_runs "$r" grpc "$grpc_port" "$tonic_port"
            fe_dummy_runs "$r" rest "$rest_port" "$axum_port"
        fi
        stop_servers
        say "  round $r: C API, dummy sync 1 thread; ResNet-50-shaped async ${FE_CONCURRENCY[*]} in flight"
        run_one fe_grpc_dummy_c1 "$r" capi as_side capi "$CAPI" --config_path "$cfg_dummy" --servable_name dummy --niter 50000 --warmup 5000 --seed "$r"
        for c in "${FE_CONCURRENCY[@]}"; do
            run_one fe_grpc_resnet50_c$c "$r" capi as_side capi "$CAPI" --config_path "$cfg_resnet" --servable_name resnet50 --async --inflight "$c" --niter "$niter_resnet" --warmup 8 --seed "$r"
            # One in-process measurement is the baseline of both protocols' rows.
            grep "^exp=fe_grpc_resnet50_c$c round=$r side=capi " "$RESULTS" | sed "s/^exp=fe_grpc_/exp=fe_rest_/" >>"$RESULTS"
        done
        if ((have_ours)); then
            say "  round $r: ovms, ResNet-50-shaped (gRPC and REST)"
            start_server ovms_resnet50 "$OVMS_BIN" --config_path "$cfg_resnet" "${ours_args[@]}"
            if await "http://127.0.0.1:$rest_port/v2/models/resnet50/ready" "$grpc_port"; then
                for c in "${FE_CONCURRENCY[@]}"; do
                    run_one fe_grpc_resnet50_c$c "$r" ours pa_run ours "$RUN/raw/fe_grpc_resnet50_c$c.ours.r$r.csv" \
                        -m resnet50 -u "127.0.0.1:$grpc_port" -i grpc --concurrency-range "$c"
                    run_one fe_rest_resnet50_c$c "$r" ours pa_run ours "$RUN/raw/fe_rest_resnet50_c$c.ours.r$r.csv" \
                        -m resnet50 -u "127.0.0.1:$rest_port" -i http --concurrency-range "$c"
                done
            fi
            stop_servers
            capi_beside_traffic "$r" "$cfg_resnet" "$tonic_port" "$niter_resnet"
        fi
    done
    trap - EXIT
    RESULTS=${saved[0]} DESC=${saved[1]} CMDS=${saved[2]}
    "$PY" bench/frontends/report.py "$fe" --markdown "$fe/FRONTENDS.md" | sed 's/^/    /' >"$fe/summary.txt"
    cat "$fe/summary.txt"
    FE_LINE=$(tail -1 "$fe/summary.txt" | sed 's/^ *//')
}

if ((FRONTENDS_ONLY)); then
    frontends
    echo "elapsed_s=$(($(date +%s) - START))" >>"$ENVF"
    say "wrote $(rel "$RUN/frontends/FRONTENDS.md"); raw results in $(rel "$RUN"); $FAILED failed run(s), $RETRIED run(s) repeated, ${WAITED}s waited for a quiet machine"
    echo "$FE_LINE"
    exit 0
fi

# ------------------------------------------------------------------ 1. sync overhead, dummy, 1 thread
CFG_DUMMY_LAT1=$(config dummy_latency_nireq1 "$DUMMY_DIR" dummy 1 LATENCY)
describe sync_overhead "dummy, sync, 1 thread, LATENCY, nireq 1" kind=pair model=dummy api=sync hint=LATENCY nireq=1 threads=1
b_sync_overhead() {
    OURS=("$CAPI" --config_path "$CFG_DUMMY_LAT1" --servable_name dummy --niter $NITER_SYNC --warmup 10000 --seed "$1")
    BARE_CMD=("$BARE" --model "$DUMMY_DIR/1/model.xml" --hint LATENCY --hint_num_requests 1 --nireq 1 --niter $NITER_SYNC --warmup 10000 --seed "$1")
}
say "sync overhead: dummy, 1 thread, $R_SYNC rounds of $NITER_SYNC"
rounds sync_overhead $R_SYNC b_sync_overhead
say "  p50 us: $(summary sync_overhead p50_us)"

# ------------------------------------------------------------------ 1b. a two-node pipeline, dummy -> dummy
# One thread: the pipeline dummy_chain (request -> dummy -> dummy -> response, a = b + 2) through
# OVMS_Inference, against the same thread calling OVMS_Inference on dummy twice in a row
# (--back_to_back 2). Half the difference of the p50s is what the pipeline costs per node.
CFG_CHAIN=$RUN/cfg/dummy_chain_latency_nireq2.json
cat >"$CFG_CHAIN" <<EOF
{"model_config_list":[{"config":{"name":"dummy","base_path":"$DUMMY_DIR","nireq":2,"plugin_config":{"PERFORMANCE_HINT":"LATENCY","PERFORMANCE_HINT_NUM_REQUESTS":"2"}}}],
 "pipeline_config_list":[{"name":"dummy_chain","inputs":["b"],"nodes":[
  {"name":"first","type":"DL model","model_name":"dummy","inputs":[{"b":{"node_name":"request","data_item":"b"}}],"outputs":[{"data_item":"a","alias":"out"}]},
  {"name":"second","type":"DL model","model_name":"dummy","inputs":[{"b":{"node_name":"first","data_item":"out"}}],"outputs":[{"data_item":"a","alias":"out"}]}],
  "outputs":[{"a":{"node_name":"second","data_item":"out"}}]}]}
EOF
NITER_CHAIN=$((QUICK ? 20000 : 50000))
describe pipeline_chain2 "two-node pipeline dummy -> dummy, sync, 1 thread, LATENCY, nireq 2, against 2 back-to-back inferences on dummy" kind=pipeline model=dummy api=sync hint=LATENCY nireq=2 threads=1 nodes=2
b_pipeline_chain2() {
    OURS=("$CAPI" --config_path "$CFG_CHAIN" --servable_name dummy_chain --niter $NITER_CHAIN --warmup 2000 --seed "$1")
    BARE_CMD=("$CAPI" --config_path "$CFG_CHAIN" --servable_name dummy --back_to_back 2 --niter $NITER_CHAIN --warmup 2000 --seed "$1")
}
say "pipeline: dummy -> dummy against 2 back-to-back inferences, 3 rounds of $NITER_CHAIN"
rounds pipeline_chain2 3 b_pipeline_chain2
say "  p50 us: $(awk '/^exp=pipeline_chain2 /{for(i=1;i<=NF;i++) if($i ~ /^(side|p50_us)=/) printf "%s ", $i} END{print ""}' "$RESULTS")"

# ------------------------------------------------------------------ 2. async, dummy
ASYNC_NIREQS=(4)
((QUICK)) || ASYNC_NIREQS=(1 2 4)
for n in "${ASYNC_NIREQS[@]}"; do
    cfg=$(config dummy_throughput_nireq$n "$DUMMY_DIR" dummy "$n" THROUGHPUT)
    bare_async=("$BARE" --model "$DUMMY_DIR/1/model.xml" --hint THROUGHPUT --hint_num_requests "$n" --nireq "$n" --async --inflight "$n")
    niter=$((QUICK ? 100000 : 40000 * n))
    eval "b_async_$n() {
        OURS=(\"$CAPI\" --config_path \"$cfg\" --servable_name dummy --async --inflight $n --niter $niter --warmup 5000 --seed \"\$1\")
        BARE_CMD=(${bare_async[*]} --niter $niter --warmup 5000 --seed \"\$1\")
    }"
    describe async_dummy_n$n "dummy, async, $n in flight, THROUGHPUT, nireq $n" kind=pair model=dummy api=async hint=THROUGHPUT nireq=$n threads=1 inflight=$n
    say "async: dummy, nireq $n, $R_ASYNC rounds of $niter"
    rounds async_dummy_n$n $R_ASYNC "b_async_$n"
    say "  FPS: $(summary async_dummy_n$n fps)"
done
# The anchor of a correct async library: bare OpenVINO whose completions go through one
# hand-off thread that waits for the status (bare_openvino --handoff), as ours must.
cfg=$RUN/cfg/dummy_throughput_nireq4.json
niter=$((QUICK ? 100000 : 160000))
b_async_handoff() {
    OURS=("$CAPI" --config_path "$cfg" --servable_name dummy --async --inflight 4 --niter "$niter" --warmup 5000 --seed "$1")
    BARE_CMD=("$BARE" --model "$DUMMY_DIR/1/model.xml" --hint THROUGHPUT --hint_num_requests 4 --nireq 4 --async --handoff --inflight 4 --niter "$niter" --warmup 5000 --seed "$1")
}
describe async_dummy_n4_handoff "dummy, async, 4 in flight, THROUGHPUT, nireq 4, against bare OpenVINO with one hand-off thread that waits for the status" kind=pair model=dummy api=async hint=THROUGHPUT nireq=4 threads=1 inflight=4
say "async: dummy, nireq 4, against bare with one hand-off thread, $R_ASYNC rounds of $niter"
rounds async_dummy_n4_handoff $R_ASYNC b_async_handoff
say "  FPS: $(summary async_dummy_n4_handoff fps)"
if ((!QUICK)); then
    niter=160000
    b_async_cb() {
        OURS=("$CAPI" --config_path "$cfg" --servable_name dummy --async --inflight 4 --resubmit_in_callback --niter "$niter" --warmup 5000 --seed "$1")
        BARE_CMD=("$BARE" --model "$DUMMY_DIR/1/model.xml" --hint THROUGHPUT --hint_num_requests 4 --nireq 4 --async --inflight 4 --niter "$niter" --warmup 5000 --seed "$1")
    }
    describe async_dummy_n4_cb "dummy, async, 4 in flight, ours resubmits inside the callback, THROUGHPUT, nireq 4" kind=pair model=dummy api=async hint=THROUGHPUT nireq=4 threads=1 inflight=4
    say "async: dummy, nireq 4, ours resubmitting from the callback, 3 rounds of $niter"
    rounds async_dummy_n4_cb 3 b_async_cb
    say "  FPS: $(summary async_dummy_n4_cb fps)"
fi

# ------------------------------------------------------------------ 3. conv nets against benchmark_app
conv_experiment() { # NAME DIR ROUNDS SECS TITLE
    local name=$1 dir=$2 nr=$3 secs=$4 title=$5
    local cfg niter
    cfg=$(config "${name}_throughput_nireq4" "$dir" "$name" 4 THROUGHPUT)
    niter=$(niter_for "$secs" 50 "$BARE" --model "$dir/1/model.xml" --hint THROUGHPUT --hint_num_requests 4 --nireq 4 --async --inflight 4 --niter 120 --warmup 8)
    eval "b_conv_$name() {
        OURS=(\"$CAPI\" --config_path \"$cfg\" --servable_name $name --async --inflight 4 --niter $niter --warmup 8 --seed \"\$1\")
        BARE_CMD=(\"$BARE\" --model \"$dir/1/model.xml\" --hint THROUGHPUT --hint_num_requests 4 --nireq 4 --async --inflight 4 --niter $niter --warmup 8 --seed \"\$1\")
        APP=(\"$BENCHMARK_APP\" -m \"$dir/1/model.xml\" -d CPU -hint throughput -nireq 4 -api async -t $secs)
    }"
    describe "conv_${name}_tp4" "$title, async, 4 in flight, THROUGHPUT, nireq 4" kind=conv model=$name api=async hint=THROUGHPUT nireq=4 threads=1 inflight=4
    say "conv: $name, THROUGHPUT nireq 4, $nr rounds of $niter (benchmark_app -t $secs)"
    rounds "conv_${name}_tp4" "$nr" "b_conv_$name"
    say "  FPS: $(summary "conv_${name}_tp4" fps)"
}
conv_experiment mobilenet "$MOBILENET_DIR" $R_CONV $SECS_CONV "MobileNetV2-shaped"
if ((!QUICK)); then
    conv_experiment resnet50 "$RESNET_DIR" 5 5 "ResNet-50-shaped"

    # Latency: one sync client, LATENCY hint, against benchmark_app's sync API.
    cfg_ml=$(config mobilenet_latency_nireq1 "$MOBILENET_DIR" mobilenet 1 LATENCY)
    niter_ml=$(niter_for 3 50 "$BARE" --model "$MOBILENET_DIR/1/model.xml" --hint LATENCY --hint_num_requests 1 --nireq 1 --niter 60 --warmup 4)
    b_conv_lat() {
        OURS=("$CAPI" --config_path "$cfg_ml" --servable_name mobilenet --niter "$niter_ml" --warmup 8 --seed "$1")
        BARE_CMD=("$BARE" --model "$MOBILENET_DIR/1/model.xml" --hint LATENCY --hint_num_requests 1 --nireq 1 --niter "$niter_ml" --warmup 8 --seed "$1")
        APP=("$BENCHMARK_APP" -m "$MOBILENET_DIR/1/model.xml" -d CPU -hint latency -api sync -t 3)
    }
    describe conv_mobilenet_lat1 "MobileNetV2-shaped, sync, 1 thread, LATENCY, nireq 1" kind=conv model=mobilenet api=sync hint=LATENCY nireq=1 threads=1
    say "conv: mobilenet, LATENCY sync, 3 rounds of $niter_ml"
    rounds conv_mobilenet_lat1 3 b_conv_lat
    say "  FPS: $(summary conv_mobilenet_lat1 fps)"
fi

# ------------------------------------------------------------------ 4. client-thread sweeps (full run)
sweep() { # NAME DIR SERVABLE HINT NIREQ SECS PANEL_TITLE
    local name=$1 dir=$2 servable=$3 hint=$4 nireq=$5 secs=$6 panel=$7
    local cfg t niter warm conv=0 nr=5
    cfg=$(config "${name}_$(echo "$hint" | tr A-Z a-z)_nireq$nireq" "$dir" "$servable" "$nireq" "$hint")
    # The dummy's points are noisy: with 2 client threads and OpenVINO's 2 stream threads on 2
    # cores, one process of 1 s can read 20-30 % off the next (PROFILES.md section 14), so they
    # run 2.5 s each, 5 rounds; the conv nets' points vary a few % and keep 3.
    [[ $servable != dummy ]] && conv=1 nr=3
    if ((conv)); then
        niter=$(niter_for "$secs" 40 "$BARE" --model "$dir/1/model.xml" --hint "$hint" --hint_num_requests "$nireq" --nireq "$nireq" --nstreams "$nireq" --niter 48 --warmup 2)
    fi
    say "sweep: $panel, threads ${THREAD_COUNTS[*]}, $nr rounds"
    for t in "${THREAD_COUNTS[@]}"; do
        if ((conv)); then
            warm=2
        else
            niter=$(niter_for "$secs" 20000 "$BARE" --model "$dir/1/model.xml" --hint "$hint" --hint_num_requests "$nireq" --nireq "$nireq" --nstreams "$t" --niter 20000 --warmup 500)
            warm=$((20000 / t))
        fi
        local exp="sweep_${name}_${hint}_t$t"
        eval "b_$exp() {
            OURS=(\"$CAPI\" --config_path \"$cfg\" --servable_name $servable --nstreams $t --niter $niter --warmup $warm --seed \"\$1\")
            BARE_CMD=(\"$BARE\" --model \"$dir/1/model.xml\" --hint $hint --hint_num_requests $nireq --nireq $nireq --nstreams $t --niter $niter --warmup $warm --seed \"\$1\")
        }"
        describe "$exp" "$panel, $t threads" kind=sweep model=$servable api=sync hint=$hint nireq=$nireq threads=$t panel="\"$panel\""
        rounds "$exp" "$nr" "b_$exp"
        echo "    $t threads: $(summary "$exp" fps)"
    done
}
THREAD_COUNTS=(1 2 4 8 16)
if ((!QUICK)); then
    sweep dummy "$DUMMY_DIR" dummy LATENCY 2 2.5 "dummy, LATENCY, nireq 2"
    sweep dummy "$DUMMY_DIR" dummy THROUGHPUT 2 2.5 "dummy, THROUGHPUT, nireq 2"
    sweep mobilenet "$MOBILENET_DIR" mobilenet THROUGHPUT 4 2.5 "MobileNetV2-shaped, THROUGHPUT, nireq 4"
    sweep resnet50 "$RESNET_DIR" resnet50 THROUGHPUT 4 3 "ResNet-50-shaped, THROUGHPUT, nireq 4"

    # bare_openvino copies its output out, as a host must to have its result, and as our
    # response does. Before PROFILES.md section 15 it never read it, which at THROUGHPUT with 2
    # threads saved it a cache miss on the other core per inference: the old baseline, for two
    # points, with --skip_outputs.
    cfg_tp2=$(config dummy_throughput_nireq2 "$DUMMY_DIR" dummy 2 THROUGHPUT)
    niter_tp2=$(niter_for 2.5 20000 "$BARE" --model "$DUMMY_DIR/1/model.xml" --hint THROUGHPUT --hint_num_requests 2 --nireq 2 --nstreams 2 --niter 20000 --warmup 500)
    b_skip_tp2() {
        OURS=("$CAPI" --config_path "$cfg_tp2" --servable_name dummy --nstreams 2 --niter "$niter_tp2" --warmup 10000 --seed "$1")
        BARE_CMD=("$BARE" --model "$DUMMY_DIR/1/model.xml" --hint THROUGHPUT --hint_num_requests 2 --nireq 2 --nstreams 2 --niter "$niter_tp2" --warmup 10000 --skip_outputs --seed "$1")
    }
    describe sync_dummy_tp2_skip_outputs "dummy, sync, 2 threads, THROUGHPUT, nireq 2, against bare OpenVINO that never reads its output" kind=pair model=dummy api=sync hint=THROUGHPUT nireq=2 threads=2
    say "baselines that skip the output: dummy, THROUGHPUT nireq 2, 2 threads; async with one hand-off"
    rounds sync_dummy_tp2_skip_outputs 5 b_skip_tp2
    say "  FPS: $(summary sync_dummy_tp2_skip_outputs fps)"
    cfg_n4=$RUN/cfg/dummy_throughput_nireq4.json
    b_skip_handoff() {
        OURS=("$CAPI" --config_path "$cfg_n4" --servable_name dummy --async --inflight 4 --niter 160000 --warmup 5000 --seed "$1")
        BARE_CMD=("$BARE" --model "$DUMMY_DIR/1/model.xml" --hint THROUGHPUT --hint_num_requests 4 --nireq 4 --async --handoff --inflight 4 --niter 160000 --warmup 5000 --skip_outputs --seed "$1")
    }
    describe async_dummy_n4_handoff_skip_outputs "dummy, async, 4 in flight, THROUGHPUT, nireq 4, against bare OpenVINO with one hand-off thread that never reads its output" kind=pair model=dummy api=async hint=THROUGHPUT nireq=4 threads=1 inflight=4
    rounds async_dummy_n4_handoff_skip_outputs 5 b_skip_handoff
    say "  FPS: $(summary async_dummy_n4_handoff_skip_outputs fps)"
fi

# ------------------------------------------------------------------ 5. OVMS's other workload modes (full run, ours only)
if ((!QUICK)); then
    for mode in RESET_BUFFER RESET_REQUEST; do
        eval "b_mode_$mode() { OURS=(\"$CAPI\" --config_path \"$CFG_DUMMY_LAT1\" --servable_name dummy --mode $mode --niter 100000 --warmup 5000 --seed \"\$1\"); }"
        describe "mode_$mode" "dummy, sync, 1 thread, LATENCY, nireq 1, --mode $mode" kind=modes model=dummy api=sync hint=LATENCY nireq=1 threads=1
        rounds "mode_$mode" 3 "b_mode_$mode"
    done
fi

# ------------------------------------------------------------------ 6. memory: 1M sync requests
say "memory: 1M sync requests on dummy after 10k warm-up"
b_rss() {
    OURS=("$CAPI" --config_path "$CFG_DUMMY_LAT1" --servable_name dummy --niter 1000000 --warmup 10000 --seed 1)
    ((QUICK)) || BARE_CMD=("$BARE" --model "$DUMMY_DIR/1/model.xml" --hint LATENCY --hint_num_requests 1 --nireq 1 --niter 1000000 --warmup 10000 --seed 1)
}
describe rss_sync_1m "dummy, sync, 1 thread, LATENCY, nireq 1" kind=rss niter=1000000 warmup=10000
rounds rss_sync_1m 1 b_rss
if ((!QUICK)); then
    cfg4=$RUN/cfg/dummy_throughput_nireq4.json
    b_rss_async() {
        OURS=("$CAPI" --config_path "$cfg4" --servable_name dummy --async --inflight 4 --niter 1000000 --warmup 10000 --seed 1)
    }
    describe rss_async_1m "dummy, async, 4 in flight, THROUGHPUT, nireq 4" kind=rss niter=1000000 warmup=10000
    rounds rss_async_1m 1 b_rss_async
fi
say "  RSS growth KiB: $(summary rss_sync_1m rss_growth_kib)"

# ------------------------------------------------------------------ 7. network front ends (full run)
((FRONTENDS)) && frontends

# ------------------------------------------------------------------ report
{
    echo "elapsed_s=$(($(date +%s) - START))"
    echo "retried=$RETRIED"
    echo "waited_s=$WAITED"
    echo "foreign_max=$FOREIGN_MAX"
} >>"$ENVF"
if ((QUICK)); then
    MD=$RUN/BENCHMARKS.md PNG=$RUN/throughput_vs_threads.png
    QFLAG=--quick
else
    MD=$ROOT/BENCHMARKS.md PNG=$ROOT/bench/throughput_vs_threads.png
    QFLAG=
fi
line=$("$PY" bench/report.py "$RUN" --markdown "$MD" --png "$PNG" $QFLAG | tail -1)
if ((FRONTENDS)); then
    { echo; cat "$RUN/frontends/FRONTENDS.md"; } >>"$MD"
    echo "$FE_LINE"
fi
say "wrote $(rel "$MD")$( ((QUICK)) || echo " and $(rel "$PNG")"); raw results in $(rel "$RUN"); $FAILED failed run(s), $RETRIED run(s) repeated, ${WAITED}s waited for a quiet machine"
echo "$line"
