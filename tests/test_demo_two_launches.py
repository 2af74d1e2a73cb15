"""Two `make run` launches side by side (`python -m demo.embedded`, as the Makefile runs it), on
different DEVCENTER_ADDRESS ports: each publishes its demo workspace on its own simulated
cluster's ingress, and each URL opens that launch's workspace page for `dev`.

The second launch starts from a copy of the first one's database (seeded with the first
address): the launch itself moves the URLs to its own ports.
"""

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from demo.addresses import parse_address
from tests.web.test_workspace_auth_nginx import cookies_of, request

BASE_DIR = Path(__file__).resolve().parents[1]
DEMO_PASSWORD = "devcenter-demo"  # noqa: S105 - seed_demo's accounts
DEADLINE = 400  # seconds for both launches to start and refresh, on a loaded 2-core machine


def free_base_port() -> int:
    """A port P whose launch ports (P, P+1, P+2, P+8443, P+8444) are all free."""
    for _ in range(50):
        port = random.randrange(20_000, 50_000, 10)
        if all(_is_free(p) for p in parse_address(f"127.0.0.1:{port}").ports()):
            return port
    raise RuntimeError("no free ports")


def _is_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def launch_environment(var_dir: Path, port: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update(DEBUG="1", DEVCENTER_VAR_DIR=str(var_dir), DEVCENTER_ADDRESS=f"127.0.0.1:{port}",
               REFRESH_INTERVAL_SECONDS="5")
    return env


def manage(env, *args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def sign_in(port: int) -> str:
    status, headers, body = request(port, "/accounts/login/")
    assert status == 200
    cookies = cookies_of(headers.items())
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urlencode({"username": "dev", "password": DEMO_PASSWORD, "csrfmiddlewaretoken": token})
    status, headers, _ = request(port, "/accounts/login/", method="POST", body=form,
                                 cookie="; ".join(f"{k}={v}" for k, v in cookies.items()))
    assert status == 302
    cookies.update(cookies_of(headers.items()))
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def wait_for(check, deadline, what):
    last = None
    while time.monotonic() < deadline:
        try:
            found = check()
        except OSError as error:
            found, last = None, error
        if found:
            return found
        time.sleep(1)
    pytest.fail(f"timed out waiting for {what} (last: {last})")


@pytest.fixture
def launches(tmp_path):
    # Both multiples of 10: two different ones share none of their five ports.
    first, second = free_base_port(), None
    while second in (None, first):
        second = free_base_port()
    var_dirs = {first: tmp_path / "first", second: tmp_path / "second"}
    seeded = launch_environment(var_dirs[first], first)
    manage(seeded, "migrate", "--noinput", "--verbosity", "0")
    manage(seeded, "seed_demo", "--verbosity", "0")
    var_dirs[second].mkdir()
    shutil.copy(var_dirs[first] / "devcenter.sqlite3", var_dirs[second] / "devcenter.sqlite3")
    processes = {}
    for port, var_dir in var_dirs.items():
        log = (tmp_path / f"launch-{port}.log").open("w")
        processes[port] = subprocess.Popen(
            [sys.executable, "-m", "demo.embedded"], cwd=BASE_DIR, env=launch_environment(var_dir, port),
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    yield list(processes)
    for process in processes.values():
        process.send_signal(signal.SIGTERM)  # the launcher stops what it started
    for process in processes.values():
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
    for port in processes:
        print(f"--- launch on {port} ---\n" + (tmp_path / f"launch-{port}.log").read_text()[-4000:])


@pytest.mark.timeout(DEADLINE + 180)
def test_two_launches_publish_their_workspaces_on_their_own_ports(launches):
    deadline = time.monotonic() + DEADLINE
    urls = {}
    for port in launches:
        wait_for(lambda port=port: request(port, "/accounts/login/")[0] == 200, deadline, f"devcenter on {port}")
        cookie = sign_in(port)

        def open_workspace_link(port=port, cookie=cookie):
            body = request(port, "/p/vision/workloads/?type=workspace", cookie=cookie)[2].decode()
            found = re.search(r'<a role="menuitem" href="([^"]+)" target="_blank"', body)
            return found and found.group(1)

        url = wait_for(open_workspace_link, deadline, f"Open workspace on launch {port} (after a refresh)")
        assert url == f"http://127.0.0.1:{port + 1}/vision/notebook-alice/"
        def workspace_page(url=url, cookie=cookie):
            answer = request(urlsplit(url).port, urlsplit(url).path, cookie=cookie)
            return answer[0] == 200 and answer

        status, _, body = wait_for(workspace_page, deadline, f"the workspace page at {url}")
        assert "<h1>notebook-alice</h1>" in body.decode()
        assert request(urlsplit(url).port, urlsplit(url).path)[0] == 302  # anonymous: to sign in
        urls[port] = url
    assert len(set(urls.values())) == 2
