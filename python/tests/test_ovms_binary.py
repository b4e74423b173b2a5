"""The `ovms` server binary (target/release/ovms, built by `cargo build --release`): its command
line as OVMS's, starting from a config file or from single-model flags on loopback ports,
graceful exit on SIGTERM and SIGINT, and the KServe ServingRuntime in deploy/kserve run with
exactly its container arguments. Every wait is bounded."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import yaml

from conftest import MODELS, REPO, write_config

BINARY = REPO / "target" / "release" / "ovms"
RUNTIME_YAML = REPO / "deploy" / "kserve" / "servingruntime.yaml"
DOCKERFILE = REPO / "deploy" / "Dockerfile"
LOOPBACK = "127.0.0.1"
#: sysexits' EX_USAGE: OVMS's exit code for a command line it refuses.
EX_USAGE = 64
#: Bounds: a command-line error exits at once; a start loads the tiny dummy model.
CLI_TIMEOUT = 20
START_TIMEOUT = 30
STOP_TIMEOUT = 20

@pytest.fixture(scope="module", autouse=True)
def binary_built():
    assert BINARY.is_file(), f"{BINARY} is missing: run `cargo build --release`"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BINARY), *args], capture_output=True, text=True, timeout=CLI_TIMEOUT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind((LOOPBACK, port))
        except OSError:
            return False
        return True


def accepts_tcp(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((LOOPBACK, port)) == 0


def loopback(*ports_args: str) -> list[str]:
    return [*ports_args, f"--grpc_bind_address={LOOPBACK}", f"--rest_bind_address={LOOPBACK}"]


def wait_for_ports(process: subprocess.Popen, ports: list[int]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            out, err = process.communicate()
            pytest.fail(f"ovms exited with {process.returncode} before serving:\n{out}\n{err}")
        if all(accepts_tcp(port) for port in ports):
            return
        time.sleep(0.1)
    pytest.fail(f"ports {ports} did not accept connections within {START_TIMEOUT} s")


def stop(process: subprocess.Popen, how: signal.Signals = signal.SIGTERM) -> int:
    process.send_signal(how)
    try:
        return process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=STOP_TIMEOUT)
        pytest.fail(f"ovms did not exit within {STOP_TIMEOUT} s of {how.name}")


@contextlib.contextmanager
def serving(args: list[str], ports: list[int]):
    """Runs ovms until the block ends; its ports accept TCP when the block starts."""
    process = subprocess.Popen([str(BINARY), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_ports(process, ports)
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT)
        for stream in (process.stdout, process.stderr):
            stream.close()


def http_get(port: int, path: str) -> tuple[int, str, bytes]:
    """(status, content type, body); loopback only, never through a proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"http://{LOOPBACK}:{port}{path}", timeout=5) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def wait_until_ready(port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    status = None
    while time.monotonic() < deadline:
        status = http_get(port, "/v2/health/ready")[0]
        if status == 200:
            return
        time.sleep(0.2)
    pytest.fail(f"/v2/health/ready answered {status}, not 200, for {START_TIMEOUT} s")


# --- the command line ---------------------------------------------------------------------

ERRORS = [
    # (arguments, the flag the message must name)
    (["--port=9000"], "--config_path"),
    (["--port=9000", "--model_name=m"], "--model_path"),
    (["--port=9000", "--model_path=/m"], "--model_name"),
    (["--port=9000", "--nireq=2"], "--nireq"),
    (["--config_path=c.json", "--model_name=m", "--port=9000"], "--model_name"),
    (["--config_path=c.json", "--port=9000", "--shape=(1,10)"], "--shape"),
    (["--config_path=c.json"], "--rest_port"),
    (["--config_path=c.json", "--port=9000", "--rest_port=9000"], "--rest_port"),
    (["--config_path=c.json", "--port=70000"], "--port"),
    (["--config_path=c.json", "--port", "-1"], "--port"),
    (["--config_path=c.json", "--rest_port=65536"], "--rest_port"),
    (["--config_path=c.json", "--port=9000", "--metrics_enable"], "--metrics_enable"),
    (["--config_path=c.json", "--rest_port=8000", "--metrics_list=ovms_streams"], "--metrics_list"),
    (["--config_path=c.json", "--port=9000", "--rest_workers=4"], "--rest_workers"),
    (["--config_path=c.json", "--port=9000", "--grpc_workers=0"], "--grpc_workers"),
    (["--config_path=c.json", "--port=9000", "--grpc_bind_address=not an address"], "--grpc_bind_address"),
    (["--config_path=c.json", "--port=9000", "--log_level=LOUD"], "--log_level"),
    (["--config_path=c.json", "--port=9000", "--cpu_extension=/no/such/lib.so"], "--cpu_extension"),
    (["--config_path=c.json", "--port=9000", "--no_such_flag"], "--no_such_flag"),
    (["--config_path=c.json", "--port=9000", "stray"], "stray"),
    (["--model_name=m", "--model_path=/m", "--port=9000", "--plugin_config=NUM_STREAMS=1"], "--plugin_config"),
    (["--model_name=m", "--model_path=/m", "--port=9000", "--model_version_policy=latest"], "--model_version_policy"),
    (["--model_name=m", "--model_path=/m", "--port=9000", "--shape=(1,x)"], "--shape"),
]


@pytest.mark.parametrize("args, flag", ERRORS, ids=[" ".join(a) for a, _ in ERRORS])
def test_command_line_errors_name_the_flag(args, flag):
    result = run_cli(*args)
    assert result.returncode == EX_USAGE, result
    assert flag in result.stderr, result.stderr


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0, result
    lines = result.stdout.splitlines()
    assert lines[0].startswith("OpenVINO Model Server 2026.3.0"), lines
    assert lines[1].startswith("OpenVINO backend 2026.4.1"), lines


@pytest.mark.parametrize("args", [["--help"], ["-h"], []], ids=["--help", "-h", "no arguments"])
def test_help_lists_ovms_flags(args):
    result = run_cli(*args)
    assert result.returncode == 0, result
    for flag in (
        "--config_path", "--model_name", "--model_path", "--port", "--rest_port", "--grpc_bind_address",
        "--rest_bind_address", "--grpc_workers", "--rest_workers", "--file_system_poll_wait_seconds",
        "--log_level", "--log_path", "--nireq", "--target_device", "--plugin_config", "--shape",
        "--batch_size", "--model_version_policy", "--cache_dir", "--metrics_enable", "--metrics_list",
        "--cpu_extension", "--version", "--help",
    ):
        assert flag in result.stdout, flag


def test_a_config_that_cannot_be_read_fails_the_start(tmp_path):
    missing = tmp_path / "missing.json"
    result = run_cli(f"--config_path={missing}", *loopback(f"--port={free_port()}"))
    assert result.returncode == 1, result
    assert str(missing) in result.stderr, result.stderr


# --- serving -----------------------------------------------------------------------------


def test_starts_from_a_config_file(tmp_path):
    config = write_config(tmp_path, {"dummy": {}})
    grpc, rest = free_port(), free_port()
    args = [f"--config_path={config}", *loopback(f"--port={grpc}", f"--rest_port={rest}")]
    with serving(args, [grpc, rest]) as process:
        assert stop(process) == 0


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT], ids=lambda s: s.name)
def test_single_model_mode_serves_and_stops_on_a_signal(tmp_path, how):
    grpc, rest = free_port(), free_port()
    log = tmp_path / "ovms.log"
    args = [
        "--model_name", "dummy", "--model_path", str(MODELS / "dummy"), "--nireq=2",
        *loopback(f"--port={grpc}", f"--rest_port={rest}"),
        f"--log_path={log}", "--log_level=INFO",
    ]
    with serving(args, [grpc, rest]) as process:
        started = time.monotonic()
        assert stop(process, how) == 0
        assert time.monotonic() - started < STOP_TIMEOUT
        stdout = process.stdout.read()
    # The log went to --log_path, not to standard output.
    text = log.read_text()
    assert 'model "dummy" version 1 AVAILABLE' in text, text
    assert f"{how.name} received" in text, text
    assert "server stopped" in text, text
    assert "AVAILABLE" not in stdout, stdout


def network_threads(pid: int) -> int:
    return sum((task / "comm").read_text().strip() == "ovms-net" for task in Path(f"/proc/{pid}/task").iterdir())


@pytest.mark.parametrize("workers", [[], ["--grpc_workers=2"], ["--rest_workers=2"]], ids=["default", "grpc", "rest"])
def test_workers_size_the_network_runtime(tmp_path, workers):
    # Half the cores by default; more when a workers flag asks for more; never above the cores.
    cores = len(os.sched_getaffinity(0))
    if "--grpc_workers=2" in workers and cores < 2:
        pytest.skip("--grpc_workers=2 needs 2 cores")
    asked = 2 if workers else 1
    grpc, rest = free_port(), free_port()
    args = ["--model_name=dummy", f"--model_path={MODELS / 'dummy'}", *loopback(f"--port={grpc}", f"--rest_port={rest}")]
    with serving([*args, *workers], [grpc, rest]) as process:
        assert network_threads(process.pid) == min(max(asked, cores // 2), cores)
        assert stop(process) == 0


def test_log_level_filters_the_log(tmp_path):
    grpc = free_port()
    log = tmp_path / "ovms.log"
    args = ["--model_name=dummy", f"--model_path={MODELS / 'dummy'}", *loopback(f"--port={grpc}")]
    with serving([*args, f"--log_path={log}", "--log_level=ERROR"], [grpc]) as process:
        assert stop(process) == 0
    assert "AVAILABLE" not in log.read_text()


def test_health_and_metrics_over_http(tmp_path):
    config = write_config(tmp_path, {"dummy": {}})
    rest = free_port()
    args = [f"--config_path={config}", "--metrics_enable", *loopback(f"--rest_port={rest}")]
    with serving(args, [rest]) as process:
        wait_until_ready(rest)
        status, content_type, body = http_get(rest, "/metrics")
        assert status == 200
        assert content_type.startswith("text/plain")
        assert b"ovms_" in body
        assert stop(process) == 0


# --- KServe ------------------------------------------------------------------------------


def runtime_container() -> tuple[dict, dict]:
    runtime = yaml.safe_load(RUNTIME_YAML.read_text())
    assert runtime["apiVersion"] == "serving.kserve.io/v1alpha1"
    assert runtime["kind"] in ("ServingRuntime", "ClusterServingRuntime")
    (container,) = [c for c in runtime["spec"]["containers"] if c["name"] == "kserve-container"]
    return runtime, container


def flag_value(args: list[str], flag: str) -> str:
    (value,) = [a.split("=", 1)[1] for a in args if a.startswith(f"{flag}=")]
    return value


def test_runtime_manifest_is_consistent():
    runtime, container = runtime_container()
    args = container["args"]
    for expected in (
        "--model_name={{.Name}}", "--model_path=/mnt/models", "--port=9000", "--rest_port=8080",
        "--file_system_poll_wait_seconds=0", "--metrics_enable",
    ):
        assert expected in args, expected
    grpc, rest = int(flag_value(args, "--port")), int(flag_value(args, "--rest_port"))
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http1": rest, "h2c": grpc}
    for probe in ("startupProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/v2/health/ready", "port": rest}, probe
    annotations = runtime["spec"]["annotations"]
    assert annotations["prometheus.kserve.io/path"] == "/metrics"
    assert annotations["prometheus.kserve.io/port"] == str(rest)
    assert set(runtime["spec"]["protocolVersions"]) == {"v1", "v2", "grpc-v2"}
    assert {f["name"] for f in runtime["spec"]["supportedModelFormats"]} == {"openvino", "onnx"}
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True and security["runAsUser"] == 5000
    # The image runs as that user and exposes those ports.
    dockerfile = DOCKERFILE.read_text().splitlines()
    assert f"USER {security['runAsUser']}:{security['runAsUser']}" in dockerfile
    assert f"EXPOSE {grpc} {rest}" in dockerfile


def kserve_args(tmp_path: Path) -> tuple[list[str], int, int]:
    """The runtime's container args as KServe runs them: {{.Name}} substituted and the model in
    /mnt/models/<version>/ (here a temporary copy of models/dummy)."""
    _, container = runtime_container()
    mnt_models = tmp_path / "mnt" / "models"
    shutil.copytree(MODELS / "dummy", mnt_models)
    assert (mnt_models / "1" / "model.xml").is_file()
    args = [a.replace("{{.Name}}", "dummy").replace("=/mnt/models", f"={mnt_models}") for a in container["args"]]
    grpc, rest = int(flag_value(args, "--port")), int(flag_value(args, "--rest_port"))
    # 9000 and 8080 may be taken on this machine: then only those numbers are rewritten.
    if not port_is_free(grpc):
        args = [f"--port={(grpc := free_port())}" if a.startswith("--port=") else a for a in args]
    if not port_is_free(rest):
        args = [f"--rest_port={(rest := free_port())}" if a.startswith("--rest_port=") else a for a in args]
    # Appended, not part of the manifest: tests listen on loopback only (a repeated flag keeps
    # its last value, so these would also override the runtime's own).
    return loopback(*args), grpc, rest


def test_runtime_args_serve_their_ports(tmp_path):
    args, grpc, rest = kserve_args(tmp_path)
    with serving(args, [grpc, rest]) as process:
        assert stop(process) == 0


def test_runtime_probe_and_metrics_paths(tmp_path):
    runtime, container = runtime_container()
    args, grpc, rest = kserve_args(tmp_path)
    probe_path = container["readinessProbe"]["httpGet"]["path"]
    metrics_path = runtime["spec"]["annotations"]["prometheus.kserve.io/path"]
    with serving(args, [grpc, rest]) as process:
        wait_until_ready(rest)
        assert http_get(rest, probe_path)[0] == 200
        assert http_get(rest, "/v2/models/dummy/ready")[0] == 200
        status, content_type, body = http_get(rest, metrics_path)
        assert status == 200
        assert content_type.startswith("text/plain")
        assert b"ovms_" in body
        assert stop(process) == 0
