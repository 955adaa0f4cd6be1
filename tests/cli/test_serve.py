"""`procura serve --with-worker` (what `make run` starts) serves the home and sign-in pages."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PROCURA = str(Path(sys.executable).with_name("procura"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback only
        return response.status, response.read().decode()


def test_the_server_serves_home_and_sign_in_with_the_job_worker(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PROCURA_", "DATABASE_URL"))}
    env["PROCURA_VAR_DIR"] = str(tmp_path)
    subprocess.run([PROCURA, "migrate", "--verbosity", "0"], env=env, check=True, timeout=120)
    port = _free_port()
    server = subprocess.Popen(
        [PROCURA, "serve", "--port", str(port), "--with-worker"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                assert _get(f"{base}/healthz")[0] == 200
                break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "the server did not start within 30 s"
                time.sleep(0.3)
        status, home = _get(f"{base}/")
        assert status == 200
        assert "<h1" in home
        status, sign_in = _get(f"{base}/account/sign-in/")
        assert status == 200
        assert 'name="email"' in sign_in
        assert 'name="password"' in sign_in
        status, ready = _get(f"{base}/readyz")
        assert '"job_queue": "ok"' in ready
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0]
    assert "with the job worker in-process" in output
    assert "Huey consumer started" in output
