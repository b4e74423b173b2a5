#!/usr/bin/env python3
"""Turns the raw results of scripts/bench.sh into BENCHMARKS.md, a PNG plot and the one-line
summary that bench.sh prints last.

Input (all written by bench.sh into one run folder):
  desc.txt     one line per experiment: `exp=ID key=value ... title="..."`
  results.txt  one line per run: `exp=ID round=N side=ours|bare|benchmark_app fps=... p50_us=... ...`
  commands.txt one line per experiment and side: `exp=ID side=SIDE cmd=...` (the first round's command)
  env.txt      `key=value` lines about the machine and versions

    report.py RUN_DIR --markdown OUT.md --png OUT.png [--quick]
"""

import argparse
import math
import os
import shlex
import statistics
import struct
import sys
import zlib
from collections import OrderedDict, defaultdict

THREADS = [1, 2, 4, 8, 16]


def parse_kv(line):
    out = OrderedDict()
    for token in shlex.split(line):
        if "=" in token:
            k, v = token.split("=", 1)
            out[k] = v
    return out


def read_lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [parse_kv(l) for l in f if l.strip() and not l.startswith("#")]


def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def median(values):
    values = [v for v in values if not math.isnan(v)]
    return statistics.median(values) if values else float("nan")


def fmt(v, digits=0):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    if digits == 0:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


class Run:
    def __init__(self, folder):
        self.folder = folder
        self.desc = OrderedDict((d["exp"], d) for d in read_lines(os.path.join(folder, "desc.txt")))
        self.results = read_lines(os.path.join(folder, "results.txt"))
        self.commands = read_lines(os.path.join(folder, "commands.txt"))
        self.env = OrderedDict()
        env_path = os.path.join(folder, "env.txt")
        if os.path.exists(env_path):
            with open(env_path) as f:
                for line in f:
                    if "=" in line:
                        k, v = line.rstrip("\n").split("=", 1)
                        self.env[k] = v
        self.by = defaultdict(list)  # (exp, side) -> [result dicts]
        for r in self.results:
            self.by[(r.get("exp"), r.get("side"))].append(r)

    def values(self, exp, side, key):
        return [num(r.get(key)) for r in self.by.get((exp, side), [])]

    def med(self, exp, side, key):
        return median(self.values(exp, side, key))

    def rounds(self, exp, side):
        return len(self.by.get((exp, side), []))

    def exps(self, kind):
        return [e for e, d in self.desc.items() if d.get("kind") == kind]


def ratio(a, b):
    if a is None or b is None or math.isnan(a) or math.isnan(b) or b == 0:
        return float("nan")
    return a / b


# --------------------------------------------------------------------------- headline

def headline(run):
    """The four numbers of the `bench:` line, with their sources."""
    h = OrderedDict()
    ours = run.med("sync_overhead", "ours", "p50_us")
    bare = run.med("sync_overhead", "bare", "p50_us")
    h["sync_overhead_us"] = ours - bare
    h["async_ratio"] = ratio(run.med("async_dummy_n4", "ours", "fps"), run.med("async_dummy_n4", "bare", "fps"))
    h["convnet_ratio"] = ratio(run.med("conv_mobilenet_tp4", "ours", "fps"),
                               run.med("conv_mobilenet_tp4", "benchmark_app", "fps"))
    h["rss_growth_kib"] = run.med("rss_sync_1m", "ours", "rss_growth_kib")
    return h


def summary_line(h):
    def f(v, d):
        return "nan" if math.isnan(v) else f"{v:.{d}f}"
    return ("bench: sync_overhead_us={} async_ratio={} convnet_ratio={} rss_growth_kib={}".format(
        f(h["sync_overhead_us"], 2), f(h["async_ratio"], 3), f(h["convnet_ratio"], 3),
        f(h["rss_growth_kib"], 0)))


# --------------------------------------------------------------------------- plot

def sweep_data(run):
    """{panel title: {side: [fps per thread count]}} from the sweep experiments."""
    panels = OrderedDict()
    for exp in run.exps("sweep"):
        d = run.desc[exp]
        title = d.get("panel", exp)
        t = int(d["threads"])
        for side in ("ours", "bare"):
            panels.setdefault(title, OrderedDict()).setdefault(side, {})[t] = run.med(exp, side, "fps")
    return panels


def plot_matplotlib(panels, path, subtitle):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = max(1, len(panels))
    fig, axes = plt.subplots(1, n, figsize=(4.6 * n, 4.0), squeeze=False)
    for ax, (title, sides) in zip(axes[0], panels.items()):
        for side, style, label in (("ours", "o-", "ours (libovms_shared, OVMS_Inference)"),
                                   ("bare", "s--", "bare OpenVINO (request pool + infer)")):
            pts = sorted((t, v) for t, v in sides.get(side, {}).items() if not math.isnan(v))
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], style, label=label)
        ax.set_xscale("log", base=2)
        ax.set_xticks(THREADS)
        ax.set_xticklabels([str(t) for t in THREADS])
        ax.set_xlabel("client threads (sync)")
        ax.set_ylabel("inferences / s")
        ax.set_ylim(bottom=0)
        ax.set_title(title, fontsize=10)
        ax.grid(True, alpha=0.3)
    axes[0][0].legend(fontsize=8, loc="lower left")
    fig.suptitle("Throughput against client threads, medians of alternating rounds" + subtitle, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_fallback(panels, path):
    """A PNG without matplotlib: one panel per model, ours = blue solid, bare = orange dashed,
    x = 1..16 threads (log2), y from 0 to the panel's maximum. No text (see BENCHMARKS.md)."""
    pw, ph, margin = 320, 240, 30
    width = pw * max(1, len(panels))
    img = [[(255, 255, 255)] * width for _ in range(ph)]

    def put(x, y, c):
        if 0 <= x < width and 0 <= y < ph:
            img[y][x] = c

    def line(x0, y0, x1, y1, c, dash=False):
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for i in range(steps + 1):
            if dash and (i // 6) % 2:
                continue
            x = round(x0 + (x1 - x0) * i / steps)
            y = round(y0 + (y1 - y0) * i / steps)
            for dx in (0, 1):
                for dy in (0, 1):
                    put(x + dx, y + dy, c)

    for p, (title, sides) in enumerate(panels.items()):
        ox = p * pw
        x0, y0, x1, y1 = ox + margin, ph - margin, ox + pw - 10, 10
        line(x0, y0, x1, y0, (0, 0, 0))
        line(x0, y0, x0, y1, (0, 0, 0))
        top = max([v for s in sides.values() for v in s.values() if not math.isnan(v)] or [1]) * 1.1
        for i, t in enumerate(THREADS):
            x = x0 + (x1 - x0) * i / (len(THREADS) - 1)
            line(round(x), y0, round(x), y0 + 4, (0, 0, 0))
        for side, color, dash in (("ours", (31, 119, 180), False), ("bare", (255, 127, 14), True)):
            pts = []
            for i, t in enumerate(THREADS):
                v = sides.get(side, {}).get(t, float("nan"))
                if not math.isnan(v):
                    pts.append((round(x0 + (x1 - x0) * i / (len(THREADS) - 1)), round(y0 - (y0 - y1) * v / top)))
            for a, b in zip(pts, pts[1:]):
                line(a[0], a[1], b[0], b[1], color, dash)
            for x, y in pts:
                for dx in range(-3, 4):
                    for dy in range(-3, 4):
                        put(x + dx, y + dy, color)
    raw = b"".join(b"\x00" + bytes(c for px in row for c in px) for row in img)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", width, ph, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw, 9)))
        f.write(chunk(b"IEND", b""))


def plot(panels, path, subtitle=""):
    if not panels:
        return None
    try:
        plot_matplotlib(panels, path, subtitle)
        return "matplotlib"
    except ImportError:
        plot_fallback(panels, path)
        return "fallback"


# --------------------------------------------------------------------------- markdown

def verdict(ok):
    if ok is None:
        return "n/a"
    return "**met**" if ok else "**not met**"


def write_markdown(run, path, png_rel, quick, plotter):
    h = headline(run)
    env = run.env
    L = []
    add = L.append
    add("# Benchmarks: libovms_shared against bare OpenVINO" + (" (quick run)" if quick else ""))
    add("")
    add("Written by `scripts/bench.sh" + (" --quick" if quick else "") + "` on "
        + env.get("date", "?") + f" in {env.get('elapsed_s', '?')} s. Every number is a median over rounds "
        "that alternate the order (ours, bare OpenVINO[, benchmark_app]; then [benchmark_app,] bare, "
        "ours; ...), each round a fresh process of "
        "`bench/capi_benchmark` (OVMS's capi_benchmark in C, on our `ovms.h`) or `bench/bare_openvino` "
        "(the same model, device, hint and number of infer requests driven through OpenVINO's C API "
        "directly, copying its output out as a host must, except in the rows against bare that never reads it) or "
        "OpenVINO's `benchmark_app`. Inputs are random. Re-run: `scripts/bench.sh` "
        "(about 31 minutes) or `scripts/bench.sh --quick` (under 3 minutes, writes "
        "`target/bench/quick/BENCHMARKS.md`).")
    add("")
    add("## Machine and versions")
    add("")
    add("| | |")
    add("|---|---|")
    for key, label in (("cpu", "CPU"), ("cores", "cores (nproc)"), ("mem", "memory"), ("os", "OS"),
                       ("kernel", "kernel"), ("autogroup", "scheduler autogroup (front ends)"),
                       ("openvino", "OpenVINO"), ("gcc", "C compiler"), ("rustc", "rustc"), ("library", "library (git)"), ("load", "load average before the run")):
        if key in env:
            add(f"| {label} | {env[key]} |")
    add("")

    add("## Targets")
    add("")
    add("| target | measured | result |")
    add("|---|---|---|")
    so = h["sync_overhead_us"]
    add(f"| sync overhead on dummy, 1 thread: ours p50 - bare p50 <= 2 us | {fmt(so, 2)} us "
        f"(ours {fmt(run.med('sync_overhead', 'ours', 'p50_us'), 2)}, bare {fmt(run.med('sync_overhead', 'bare', 'p50_us'), 2)}) "
        f"| {verdict(None if math.isnan(so) else so <= 2.0)} |")
    ar = h["async_ratio"]
    add(f"| async throughput on dummy, nireq 4 (4 in flight) >= 0.95 x bare OpenVINO async with callbacks | "
        f"{fmt(ar, 3)} ({fmt(run.med('async_dummy_n4', 'ours', 'fps'))} / {fmt(run.med('async_dummy_n4', 'bare', 'fps'))} inf/s) "
        f"| {verdict(None if math.isnan(ar) else ar >= 0.95)} |")
    hr = ratio(run.med("async_dummy_n4_handoff", "ours", "fps"), run.med("async_dummy_n4_handoff", "bare", "fps"))
    if not math.isnan(hr):
        add(f"| the same >= 0.95 x bare OpenVINO with one hand-off thread that waits for the status | "
            f"{fmt(hr, 3)} ({fmt(run.med('async_dummy_n4_handoff', 'ours', 'fps'))} / "
            f"{fmt(run.med('async_dummy_n4_handoff', 'bare', 'fps'))} inf/s) | {verdict(hr >= 0.95)} |")
    conv_rows = [("conv_mobilenet_tp4", "MobileNetV2-shaped"), ("conv_resnet50_tp4", "ResNet-50-shaped")]
    for exp, label in conv_rows:
        if exp not in run.desc:
            continue
        r = ratio(run.med(exp, "ours", "fps"), run.med(exp, "benchmark_app", "fps"))
        add(f"| {label}, THROUGHPUT, nireq 4: ours >= 0.98 x benchmark_app | {fmt(r, 3)} "
            f"({fmt(run.med(exp, 'ours', 'fps'), 1)} / {fmt(run.med(exp, 'benchmark_app', 'fps'), 1)} FPS) "
            f"| {verdict(None if math.isnan(r) else r >= 0.98)} |")
    panels_ratio = []
    for exp in run.exps("sweep"):
        r = ratio(run.med(exp, "ours", "fps"), run.med(exp, "bare", "fps"))
        if not math.isnan(r):
            panels_ratio.append((r, exp))
    if panels_ratio:
        worst, wexp = min(panels_ratio)
        add(f"| 1 to 16 client threads: ours >= 0.9 x bare OpenVINO at every point | worst {fmt(worst, 3)} "
            f"({run.desc[wexp].get('title', wexp)}) | {verdict(worst >= 0.9)} |")
        collapse = collapse_check(run)
        add(f"| no collapse as threads exceed slots: ours at 16 threads >= 0.8 x ours at the first thread count above nireq | "
            f"{collapse[0]} | {verdict(collapse[1])} |")
    rss = h["rss_growth_kib"]
    add(f"| RSS growth over 1M sync requests < 1 MiB (1024 KiB) | {fmt(rss)} KiB | "
        f"{verdict(None if math.isnan(rss) else rss < 1024)} |")
    add("")
    add("`scripts/bench.sh` prints as its last line:")
    add("")
    add("```")
    add(summary_line(h))
    add("```")
    add("")

    foreign = [(num(r.get("foreign_cpu_pct")), r.get("exp")) for r in run.results if r.get("foreign_cpu_pct")]
    foreign = [f for f in foreign if not math.isnan(f[0])]
    if foreign:
        worst = max(foreign)
        add(f"Quiet-machine check: {len(run.results)} measured processes; before each one the script waited for an "
            f"idle machine ({env.get('waited_s', '?')} s waited in all), and {env.get('retried', '?')} run(s) were "
            f"repeated because other processes used more than {env.get('foreign_max', '?')} % of the machine while "
            f"they ran. In the runs kept, other processes used a median {median([f[0] for f in foreign]):.1f} % "
            f"(at most {worst[0]:.1f} %, in {worst[1]}).")
        add("")
    add("## All measurements")
    add("")
    add("Throughput in inferences/s (FPS), latency p50 in microseconds. `ratio` = ours / bare, or ours / "
        "benchmark_app where benchmark_app ran. Sync latency covers `OVMS_Inference` + "
        "`OVMS_InferenceResponseDelete` (ours) or taking a request from the pool, copying the input in, "
        "`ov_infer_request_infer` and giving it back (bare); async latency is submit to completion callback.")
    add("")
    add("Under each FPS median, in brackets, the lowest and highest round.")
    add("")
    add("| experiment | rounds | ours FPS | bare FPS | benchmark_app FPS | ratio | ours p50 us | bare p50 us | benchmark_app p50 us |")
    add("|---|---|---|---|---|---|---|---|---|")

    def fps_cell(exp, side):
        v = [x for x in run.values(exp, side, "fps") if not math.isnan(x)]
        if not v:
            return "n/a"
        if len(v) == 1:
            return fmt(v[0])
        return f"{fmt(median(v))}<br>({fmt(min(v))}–{fmt(max(v))})"

    for exp, d in run.desc.items():
        if d.get("kind") in ("sweep", "rss", "pipeline"):
            continue
        o, b, a = (run.med(exp, s, "fps") for s in ("ours", "bare", "benchmark_app"))
        r = ratio(o, a) if not math.isnan(a) else ratio(o, b)
        rounds = max(run.rounds(exp, s) for s in ("ours", "bare", "benchmark_app"))
        add(f"| {d.get('title', exp)} | {rounds} | {fps_cell(exp, 'ours')} | {fps_cell(exp, 'bare')} | "
            f"{fps_cell(exp, 'benchmark_app')} | {fmt(r, 3)} | "
            f"{fmt(run.med(exp, 'ours', 'p50_us'), 1)} | {fmt(run.med(exp, 'bare', 'p50_us'), 1)} | "
            f"{fmt(run.med(exp, 'benchmark_app', 'p50_us'), 1)} |")
    add("")

    panels = sweep_data(run)
    if panels:
        add("## Throughput against client threads (sync)")
        add("")
        add("Each client thread loops on a blocking inference (`--nstreams N`, OVMS's capi_benchmark shape). "
            "Bare OpenVINO gets the minimal serving layer: a mutex/condvar pool of nireq infer requests, "
            "inference on the client's thread.")
        add("")
        if png_rel:
            add(f"![throughput against client threads]({png_rel})")
            if plotter == "fallback":
                add("")
                add("(matplotlib was not available: plain plot, one panel per row of the table below, "
                    "ours = blue solid, bare = orange dashed, x = 1, 2, 4, 8, 16 threads, y from 0.)")
            add("")
        add("| configuration | side | " + " | ".join(f"{t} thr" for t in THREADS) + " |")
        add("|---|---|" + "---|" * len(THREADS))
        for title, sides in panels.items():
            for side in ("ours", "bare"):
                vals = sides.get(side, {})
                add(f"| {title} | {side} | " + " | ".join(fmt(vals.get(t, float('nan'))) for t in THREADS) + " |")
            o, b = sides.get("ours", {}), sides.get("bare", {})
            add(f"| {title} | ratio | " + " | ".join(fmt(ratio(o.get(t, float('nan')), b.get(t, float('nan'))), 3)
                                                    for t in THREADS) + " |")
        add("")

    pipeline_exps = run.exps("pipeline")
    if pipeline_exps:
        add("## Pipelines")
        add("")
        add("A pipeline request through `OVMS_Inference` against the same thread calling `OVMS_Inference` "
            "on each node's model in a row (`--back_to_back N`, one timed iteration = N inferences). "
            "Per node = (pipeline p50 - back-to-back p50) / nodes: what the pipeline adds to each node.")
        add("")
        add("| experiment | rounds | pipeline FPS | back-to-back FPS | ratio | pipeline p50 us | back-to-back p50 us | per node us |")
        add("|---|---|---|---|---|---|---|---|")
        for exp in pipeline_exps:
            d = run.desc[exp]
            p50 = run.med(exp, "ours", "p50_us")
            b2b = run.med(exp, "back_to_back", "p50_us")
            nodes = num(d.get("nodes", "nan"))
            rounds = max(run.rounds(exp, s) for s in ("ours", "back_to_back"))
            add(f"| {d.get('title', exp)} | {rounds} | {fps_cell(exp, 'ours')} | {fps_cell(exp, 'back_to_back')} | "
                f"{fmt(ratio(run.med(exp, 'ours', 'fps'), run.med(exp, 'back_to_back', 'fps')), 3)} | "
                f"{fmt(p50, 1)} | {fmt(b2b, 1)} | {fmt((p50 - b2b) / nodes, 1)} |")
        add("")

    rss_exps = run.exps("rss")
    if rss_exps:
        add("## Memory")
        add("")
        add("VmRSS of the benchmark process (`/proc/self/status`) after the warm-up and after the workload.")
        add("")
        add("| run | side | requests | warm-up | RSS before KiB | RSS after KiB | growth KiB |")
        add("|---|---|---|---|---|---|---|")
        for exp in rss_exps:
            d = run.desc[exp]
            for side in ("ours", "bare"):
                if run.rounds(exp, side):
                    add(f"| {d.get('title', exp)} | {side} | {d.get('niter', '?')} | {d.get('warmup', '?')} | "
                        f"{fmt(run.med(exp, side, 'rss_before_kib'))} | {fmt(run.med(exp, side, 'rss_after_kib'))} | "
                        f"{fmt(run.med(exp, side, 'rss_growth_kib'))} |")
        add("")

    add("## Commands")
    add("")
    add("The first round's command of every experiment and side (paths relative to the repository; the "
        "configs are written by bench.sh into the run folder, `" + os.path.relpath(run.folder, env.get("root", ".")) + "/cfg`).")
    add("")
    add("```")
    shown_panels = set()
    for c in run.commands:
        d = run.desc.get(c.get("exp"), {})
        if d.get("kind") == "sweep":
            # One thread count per panel: the others differ only in --nstreams, --niter, --warmup.
            key = (d.get("panel"), c.get("side"))
            if key in shown_panels:
                continue
            shown_panels.add(key)
            add(f"# {d.get('panel')} / {c.get('side')} (other thread counts: other --nstreams, --niter, --warmup)")
        else:
            add(f"# {c.get('exp')} / {c.get('side')}")
        add(c.get("cmd", ""))
    add("```")
    add("")
    cfgs = sorted(os.listdir(os.path.join(run.folder, "cfg"))) if os.path.isdir(os.path.join(run.folder, "cfg")) else []
    if cfgs:
        add("Configs (`base_path` shortened):")
        add("")
        add("```")
        for name in cfgs:
            with open(os.path.join(run.folder, "cfg", name)) as f:
                text = f.read().strip().replace(env.get("root", "\0") + "/", "")
            add(f"{name}: {text}")
        add("```")
        add("")
    add("## How to read this")
    add("")
    add("- Both hosts are plain C with the same timing, random input (seeded), start gate and statistics "
        "(`bench/bench_common.h`); the only difference is the inference path.")
    add("- The dummy model (`models/dummy`, b+1 on 10 floats) measures the serving layer itself; the conv nets "
        "(`scripts/make_bench_models.py`, random f32 weights, made on demand in `target/bench_models/`) measure "
        "whether the layer gets in the way of OpenVINO's throughput. On this VM the conv-net throughput varies "
        "by tens of percent from run to run, so only medians of alternating rounds are compared.")
    add("- Raw per-round lines: `" + os.path.relpath(os.path.join(run.folder, "results.txt"), env.get("root", ".")) + "` "
        "(overwritten by the next run), logs of every process in `raw/` beside it.")
    add("- Where the remaining gaps come from, the profiles behind each speed-up, and before/after numbers: "
        "`bench/PROFILES.md` (written by hand, not by this script).")
    add("")
    with open(path, "w") as f:
        f.write("\n".join(L))
    return h


def collapse_check(run):
    """Per sweep panel: throughput at 16 threads against throughput at the first thread count
    above nireq (once threads exceed slots, adding more must not make it fall further), for ours
    and for bare; returns the text and whether ours keeps >= 0.8 everywhere."""
    worst, parts = None, []
    for title in dict.fromkeys(run.desc[e].get("panel") for e in run.exps("sweep")):
        exps = {int(run.desc[e]["threads"]): e for e in run.exps("sweep") if run.desc[e].get("panel") == title}
        nireq = int(run.desc[next(iter(exps.values()))]["nireq"])
        above = [t for t in sorted(exps) if t > nireq]
        if len(above) < 2:
            continue
        first, top = above[0], above[-1]
        r = ratio(run.med(exps[top], "ours", "fps"), run.med(exps[first], "ours", "fps"))
        rb = ratio(run.med(exps[top], "bare", "fps"), run.med(exps[first], "bare", "fps"))
        parts.append(f"{title}: {top} vs {first} thr ours {r:.2f}, bare {rb:.2f}")
        if not math.isnan(r) and (worst is None or r < worst):
            worst = r
    if worst is None:
        return ("n/a", None)
    return ("; ".join(parts), worst >= 0.8)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("run_dir")
    p.add_argument("--markdown", required=True)
    p.add_argument("--png")
    p.add_argument("--quick", action="store_true")
    args = p.parse_args()
    run = Run(args.run_dir)
    png_rel, plotter = None, None
    panels = sweep_data(run)
    if args.png and panels:
        plotter = plot(panels, args.png)
        png_rel = os.path.relpath(args.png, os.path.dirname(os.path.abspath(args.markdown)))
    h = write_markdown(run, args.markdown, png_rel, args.quick, plotter)
    print(summary_line(h))
    return 0


if __name__ == "__main__":
    sys.exit(main())
