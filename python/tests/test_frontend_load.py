"""The network front ends under load, with real clients (tritonclient's asyncio gRPC and HTTP
clients): 64 concurrent clients, one request in ten bad; then a server stop (OVMS_ServerDelete)
and a SIGTERM to the `ovms` binary in the middle of that load. Every good request is answered
correctly or, once the stop began, refused; nothing hangs; every slot is idle at the end."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field

import numpy as np
import pytest
import tritonclient.grpc.aio as grpc_aio
import tritonclient.http.aio as http_aio
from tritonclient.utils import InferenceServerException

from conftest import REPO, write_config
from ovms_shared import Server

GRPC_CLIENTS = 48
HTTP_CLIENTS = 16
#: Per client: far above what 20 s allows on two cores, so the deadline ends the loop.
MAX_REQUESTS = 20_000
BINARY = REPO / "target" / "release" / "ovms"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Counts:
    good_ok: int = 0
    bad_refused: int = 0
    #: Good requests refused after the stop began (allowed only then).
    refused_in_stop: int = 0
    wrong: list[str] = field(default_factory=list)


async def client_loop(kind: str, url: str, seed: int, deadline: float, counts: Counts, stop_began) -> None:
    module = grpc_aio if kind == "grpc" else http_aio
    if kind == "grpc":
        # A connection of its own per client (gRPC's Python client would share one per address
        # across channels, and after a stop back off before reconnecting).
        client = module.InferenceServerClient(url, channel_args=[("grpc.use_local_subchannel_pool", 1)])
    else:
        client = module.InferenceServerClient(url)
    rng = np.random.default_rng(seed)
    try:
        for i in range(MAX_REQUESTS):
            if time.monotonic() > deadline:
                break
            bad = i % 10 == 9
            shape = [1, 11] if bad else [1, 10]
            data = rng.random(shape, dtype=np.float32)
            tensor = module.InferInput("b", shape, "FP32")
            tensor.set_data_from_numpy(data)
            try:
                result = await asyncio.wait_for(client.infer("dummy", [tensor]), timeout=30)
            except InferenceServerException as e:
                if stop_began():
                    counts.refused_in_stop += 1
                    if kind == "http":
                        # A closed connection leaves aiohttp's session unusable: stop here.
                        break
                elif bad and "Invalid input shape" in str(e):
                    counts.bad_refused += 1
                else:
                    counts.wrong.append(f"{kind} request {i}: {e}")
            except (OSError, asyncio.TimeoutError, Exception) as e:  # noqa: BLE001 - transport errors
                if stop_began():
                    counts.refused_in_stop += 1
                    break
                counts.wrong.append(f"{kind} request {i}: {type(e).__name__}: {e}")
            else:
                if bad:
                    counts.wrong.append(f"{kind} request {i}: a [1,11] input was answered")
                elif not np.allclose(result.as_numpy("a"), data + 1):
                    counts.wrong.append(f"{kind} request {i}: wrong values")
                else:
                    counts.good_ok += 1
    finally:
        await client.close()


async def load(grpc_port: int, rest_port: int, seconds: float, counts: Counts, stop_began=lambda: False) -> None:
    deadline = time.monotonic() + seconds
    tasks = [
        client_loop("grpc", f"127.0.0.1:{grpc_port}", seed, deadline, counts, stop_began) for seed in range(GRPC_CLIENTS)
    ] + [
        client_loop("http", f"127.0.0.1:{rest_port}", 1000 + seed, deadline, counts, stop_began)
        for seed in range(HTTP_CLIENTS)
    ]
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=seconds + 60)


@pytest.fixture
def ports():
    return free_port(), free_port()


@pytest.fixture
def config(tmp_path):
    return write_config(tmp_path, {"dummy": {"nireq": 2}})


def test_64_clients_for_20_s_with_bad_requests(no_server, config, ports):
    grpc_port, rest_port = ports
    server = Server(config, grpc_port=grpc_port, rest_port=rest_port, grpc_bind_address="127.0.0.1",
                    rest_bind_address="127.0.0.1", log_level="ERROR")
    try:
        counts = Counts()
        asyncio.run(load(grpc_port, rest_port, 20, counts))
        print(f"load: {counts.good_ok} good answered, {counts.bad_refused} bad refused")
        assert counts.wrong == []
        assert counts.good_ok > 1000
        assert counts.bad_refused > 100
        assert counts.bad_refused * 7 < counts.good_ok < counts.bad_refused * 11
        assert server.slots("dummy") == (2, 2, 0)
    finally:
        server.close()


def test_server_delete_in_the_middle_of_the_load_drains(no_server, config, ports):
    grpc_port, rest_port = ports
    server = Server(config, grpc_port=grpc_port, rest_port=rest_port, grpc_bind_address="127.0.0.1",
                    rest_bind_address="127.0.0.1", log_level="ERROR")
    counts = Counts()
    stopping = {"began": False, "seconds": None}

    async def scenario():
        async def stop_later():
            await asyncio.sleep(3)
            stopping["began"] = True
            started = time.monotonic()
            await asyncio.to_thread(server.close)
            stopping["seconds"] = time.monotonic() - started

        await asyncio.gather(load(grpc_port, rest_port, 8, counts, lambda: stopping["began"]), stop_later())

    asyncio.run(scenario())
    print(f"stop under load: {counts.good_ok} answered, {counts.refused_in_stop} refused in the stop, "
          f"close took {stopping['seconds']:.2f} s")
    assert counts.wrong == []
    assert counts.good_ok > 100
    assert stopping["seconds"] is not None and stopping["seconds"] < 15
    # The same ports serve again in the same process.
    server = Server(config, grpc_port=grpc_port, rest_port=rest_port, grpc_bind_address="127.0.0.1",
                    rest_bind_address="127.0.0.1", log_level="ERROR")
    try:
        again = Counts()
        asyncio.run(load(grpc_port, rest_port, 1, again))
        assert again.wrong == [] and again.good_ok > 0
        assert server.slots("dummy") == (2, 2, 0)
    finally:
        server.close()


def test_sigterm_in_the_middle_of_the_load_exits_cleanly(tmp_path, ports):
    grpc_port, rest_port = ports
    config = write_config(tmp_path, {"dummy": {"nireq": 2}})
    process = subprocess.Popen(
        [str(BINARY), f"--config_path={config}", f"--port={grpc_port}", f"--rest_port={rest_port}",
         "--grpc_bind_address=127.0.0.1", "--rest_bind_address=127.0.0.1", "--log_level=ERROR"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", rest_port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, process.stdout.read().decode()
                assert time.monotonic() < deadline, "the binary did not open its REST port"
                time.sleep(0.1)
        counts = Counts()
        signalled = {"at": None}

        async def scenario():
            async def terminate_later():
                await asyncio.sleep(3)
                signalled["at"] = time.monotonic()
                process.send_signal(signal.SIGTERM)
                await asyncio.to_thread(process.wait, 20)
                signalled["exited_after"] = time.monotonic() - signalled["at"]

            await asyncio.gather(load(grpc_port, rest_port, 8, counts, lambda: signalled["at"] is not None),
                                 terminate_later())

        asyncio.run(scenario())
        exited_after = signalled["exited_after"]
        print(f"SIGTERM under load: {counts.good_ok} answered, {counts.refused_in_stop} refused; "
              f"exit {process.returncode} after {exited_after:.2f} s")
        assert process.returncode == 0, process.stdout.read().decode()
        assert exited_after < 15
        assert counts.wrong == []
        assert counts.good_ok > 100
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
