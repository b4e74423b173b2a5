#!/usr/bin/env python3
"""Turns the front-end section of scripts/bench.sh into a table, the issue's ratios and a markdown
section (appended to BENCHMARKS.md by a full run), and prints a one-line summary last.

Input (written by bench.sh into RUN/frontends/):
  desc.txt     one line per experiment: `exp=ID protocol=grpc|rest model=M concurrency=N title="..."`
  results.txt  one line per run: `exp=ID round=N side=ours|bare|capi fps=... p50_us=... p99_us=...`
  commands.txt one line per experiment and side: `exp=ID side=SIDE cmd=...`

Sides: `ours` is target/release/ovms driven by perf_analyzer; `bare` the bare tonic or axum server
of bench/frontends (same client, no inference); `capi` bench/capi_benchmark in process, with the
same config.json as `ours`; `capi_traffic` the same C API run while perf_analyzer sends ours' gRPC
request rate, ResNet-50-shaped, to bare tonic (the CPU the client and the transport take from the
model on this machine, so the ceiling of the ResNet ratio here).

    report.py FRONTENDS_DIR [--markdown OUT.md]
"""

import argparse
import math
import os
import shlex
import statistics
import sys
from collections import OrderedDict, defaultdict

CONCURRENCY = (1, 4, 16)
BAR_TRANSPORT = 0.8  # ours / bare, gRPC and REST, dummy
BAR_RESNET = 0.97  # ours over gRPC / in-process C API async, ResNet-50-shaped, 4 in flight


def parse_kv(line):
    return OrderedDict(t.split("=", 1) for t in shlex.split(line) if "=" in t)


def read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [parse_kv(line) for line in f if line.strip()]


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def fmt(v, digits=0):
    return "n/a" if math.isnan(v) else f"{v:.{digits}f}"


class Run:
    def __init__(self, folder):
        self.desc = OrderedDict((d["exp"], d) for d in read_lines(os.path.join(folder, "desc.txt")))
        self.commands = read_lines(os.path.join(folder, "commands.txt"))
        self.by = defaultdict(list)
        for r in read_lines(os.path.join(folder, "results.txt")):
            v = num(r.get("fps"))
            if not math.isnan(v):
                self.by[(r.get("exp"), r.get("side"))].append(r)

    def med(self, exp, side, key):
        vals = [num(r.get(key)) for r in self.by.get((exp, side), [])]
        vals = [v for v in vals if not math.isnan(v)]
        return statistics.median(vals) if vals else math.nan

    def rounds(self, exp, side):
        return len(self.by.get((exp, side), []))


def ratio(a, b):
    return a / b if b and not (math.isnan(a) or math.isnan(b)) else math.nan


def worst_ratio(run, protocol):
    """The lowest ours/bare FPS ratio on the dummy over the concurrency levels, where, and the
    levels that have no ratio (a failed run: the bar is then not met, whatever the others say)."""
    found, missing = [], []
    for c in CONCURRENCY:
        exp = f"fe_{protocol}_dummy_c{c}"
        r = ratio(run.med(exp, "ours", "fps"), run.med(exp, "bare", "fps"))
        if math.isnan(r):
            missing.append(c)
        else:
            found.append((r, c))
    worst, where = min(found) if found else (math.nan, None)
    return worst, where, missing


def transport_row(run, protocol, label):
    worst, where, missing = worst_ratio(run, protocol)
    measured = fmt(worst, 3) + (f" (worst, at concurrency {where})" if where else "")
    result = verdict(worst, BAR_TRANSPORT)
    if missing:
        measured += f"; no ratio at concurrency {', '.join(map(str, missing))} (a run failed)"
        result = "**not met** (incomplete)"
    return (f"| {protocol_name(protocol)}, dummy: ours >= {BAR_TRANSPORT} x {label} at concurrency 1, 4, 16 "
            f"| {measured} | {result} |"), worst


def protocol_name(protocol):
    return "gRPC" if protocol == "grpc" else "REST"


def verdict(value, bar):
    if math.isnan(value):
        return "n/a"
    return "**met**" if value >= bar else "**not met**"


def build(run):
    grpc_row, grpc = transport_row(run, "grpc", "bare tonic")
    rest_row, rest = transport_row(run, "rest", "bare axum")
    resnet_ours, resnet_capi, resnet_beside_traffic = (
        run.med("fe_grpc_resnet50_c4", side, "fps") for side in ("ours", "capi", "capi_traffic"))
    resnet = ratio(resnet_ours, resnet_capi)
    ceiling = ratio(resnet_beside_traffic, resnet_capi)
    ours_p50 = run.med("fe_grpc_dummy_c1", "ours", "p50_us")
    capi_p50 = run.med("fe_grpc_dummy_c1", "capi", "p50_us")
    bare_p50 = run.med("fe_grpc_dummy_c1", "bare", "p50_us")
    added = ours_p50 - capi_p50

    L = []
    add = L.append
    add("## Network front ends (perf_analyzer)")
    add("")
    add("`ovms` (target/release/ovms) driven by perf_analyzer 2.48.0 (Triton's load generator, "
        "`scripts/setup_perf_analyzer.sh`) over loopback, against the transport baselines of "
        "`bench/frontends/`: a bare tonic (gRPC) and a bare axum (REST) server that answer every inference "
        "with a fixed dummy-shaped output and run no model, driven the same way; and against "
        "`bench/capi_benchmark` in process with the same config.json. perf_analyzer runs one concurrency "
        "level per process, sync API, random input; each figure is the median over rounds of its "
        "stable measurement (time windows). Latencies in microseconds, as perf_analyzer reports them "
        "(client side, request sent to response read). Every server, ours and the bare ones, and the C API "
        "where it runs beside perf_analyzer's traffic, runs in a session of its own (`setsid`): with the "
        "kernel's autogroup on (Machine and versions), the two cores are shared between the server's session "
        "and the client's, as between two pods, not between the client's many threads and the server's few "
        "(bench/PROFILES.md section 17).")
    add("")
    add("| target | measured | result |")
    add("|---|---|---|")
    add(grpc_row)
    add(rest_row)
    add(f"| ResNet-50-shaped over gRPC, concurrency 4: ours >= {BAR_RESNET} x the in-process C API async, "
        f"4 in flight | {fmt(resnet, 3)} ({fmt(resnet_ours, 1)} / {fmt(resnet_capi, 1)} inf/s) "
        f"| {verdict(resnet, BAR_RESNET)} |")
    add(f"| the ceiling of that ratio here: the C API beside perf_analyzer's traffic at ours' rate to a "
        f"ResNet-50-shaped bare tonic (no model), over the C API alone | {fmt(ceiling, 3)} "
        f"({fmt(resnet_beside_traffic, 1)} inf/s); ours / that run "
        f"{fmt(ratio(resnet_ours, resnet_beside_traffic), 3)} | measured |")
    add(f"| added p50 latency of gRPC over the in-process C API (sync), dummy, concurrency 1 | {fmt(added, 1)} us "
        f"(gRPC {fmt(ours_p50, 1)}, C API {fmt(capi_p50, 1)}; bare tonic {fmt(bare_p50, 1)}, so "
        f"{fmt(ours_p50 - bare_p50, 1)} us are ovms's own, the rest the transport and perf_analyzer's client) | measured |")
    add("")
    add("| experiment | rounds | ours inf/s | baseline | baseline inf/s | ratio | ours p50 | baseline p50 | ours p99 | baseline p99 |")
    add("|---|---|---|---|---|---|---|---|---|---|")
    for exp, d in run.desc.items():
        base = "capi" if run.rounds(exp, "capi") and not run.rounds(exp, "bare") else "bare"
        label = {"bare": "bare tonic" if d.get("protocol") == "grpc" else "bare axum", "capi": "C API"}[base]
        o, b = run.med(exp, "ours", "fps"), run.med(exp, base, "fps")
        rounds = max(run.rounds(exp, s) for s in ("ours", "bare", "capi"))
        add(f"| {d.get('title', exp)} | {rounds} | {fmt(o)} | {label} | {fmt(b)} | {fmt(ratio(o, b), 3)} | "
            f"{fmt(run.med(exp, 'ours', 'p50_us'))} | {fmt(run.med(exp, base, 'p50_us'))} | "
            f"{fmt(run.med(exp, 'ours', 'p99_us'))} | {fmt(run.med(exp, base, 'p99_us'))} |")
        if base == "bare" and run.rounds(exp, "capi"):
            add(f"| {d.get('title', exp)} | {run.rounds(exp, 'capi')} | | C API (sync, 1 thread) | "
                f"{fmt(run.med(exp, 'capi', 'fps'))} | | | {fmt(run.med(exp, 'capi', 'p50_us'))} | | "
                f"{fmt(run.med(exp, 'capi', 'p99_us'))} |")
        if run.rounds(exp, "capi_traffic"):
            add(f"| {d.get('title', exp)} | {run.rounds(exp, 'capi_traffic')} | | C API beside its gRPC traffic "
                f"to bare tonic | {fmt(run.med(exp, 'capi_traffic', 'fps'))} | "
                f"{fmt(ratio(o, run.med(exp, 'capi_traffic', 'fps')), 3)} | | "
                f"{fmt(run.med(exp, 'capi_traffic', 'p50_us'))} | | {fmt(run.med(exp, 'capi_traffic', 'p99_us'))} |")
    add("")
    if run.commands:
        add("Commands (first round; `pa_run SIDE CSV` runs perf_analyzer with `-p WINDOW -s STABILITY -r TRIALS "
            "-f CSV` added and, once its sender threads run, its main thread alone at nice -10 (bench/PROFILES.md "
            "section 16); `as_side` renames the side of a host's result line):")
        add("")
        add("```")
        for c in run.commands:
            add(f"# {c.get('exp')} / {c.get('side')}")
            add(c.get("cmd", ""))
        add("```")
        add("")
    line = (f"bench frontends: grpc_ratio={fmt(grpc, 3)} rest_ratio={fmt(rest, 3)} "
            f"resnet50_grpc_vs_capi={fmt(resnet, 3)} resnet50_ceiling={fmt(ceiling, 3)} grpc_added_p50_us={fmt(added, 1)}")
    return L, line


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder")
    ap.add_argument("--markdown")
    args = ap.parse_args()
    run = Run(args.folder)
    if not run.desc:
        sys.exit(f"report.py: no experiments in {args.folder}/desc.txt")
    lines, summary = build(run)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write("\n".join(lines) + "\n")
    # The tables on the terminal too, then the summary last.
    print("\n".join(line for line in lines if line.startswith("|")))
    print(summary)


if __name__ == "__main__":
    main()
