"""`make run`: the whole product on one machine with no services installed.

Starts two simulated clusters (kubesim, real time) with a workspace ingress each
(`demo/ingress.py`, in front of the workspaces as ingress-nginx is in production), a Celery
worker with beat on the filesystem queue, the cluster watcher (`watch_clusters`)
and Django's development server; stops them all
together. `DEVCENTER_ADDRESS` places all of them (`demo/addresses.py`).
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from demo.addresses import AddressError, launch_addresses

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DEVCENTER_VAR_DIR") or BASE_DIR / "var")


def say(text):
    print(f"[make run] {text}", flush=True)


def commands(addresses):
    python = sys.executable
    for cluster in addresses.clusters.values():
        kubeconfig = str(VAR_DIR / f"kubesim-{cluster.name}.kubeconfig")
        yield f"simulated cluster {cluster.name}", [
            python, "-m", "kubesim", "--port", str(cluster.api_port), "--nodes", str(cluster.nodes),
            "--kubeconfig", kubeconfig, "--state", str(VAR_DIR / f"kubesim-{cluster.name}.json"), "--realtime",
        ]
        yield f"workspace ingress {cluster.name}", [
            python, "-m", "demo.ingress", "--cluster", cluster.name, "--kubeconfig", kubeconfig,
            "--host", addresses.host or "127.0.0.1", "--port", str(cluster.ingress_port),
        ]
    # The web server needs nothing of the clusters: it starts before the demo objects are made,
    # so the login page answers sooner; the worker only after (its refresh would find none).
    yield "web", [python, "manage.py", "runserver", addresses.address]
    yield "demo objects", [python, "manage.py", "demo_cluster", "--follow-launch"]
    yield "worker", [
        python, "-m", "celery", "-A", "devcenter", "worker", "--beat", "--loglevel", "INFO",
        "--concurrency", "2", "--schedule", str(VAR_DIR / "celerybeat-schedule"),
    ]
    yield "watcher", [python, "manage.py", "watch_clusters"]  # statuses within seconds; beat resyncs


def ports_in_use(addresses) -> list[str]:
    """What of this launch could not listen: another launch (or anything) holds its port."""
    taken = []
    for port, what in addresses.ports().items():
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((addresses.browser_host, port))
            except OSError:
                taken.append(f"port {port} ({what})")
    return taken


def child_environment(addresses) -> dict[str, str]:
    """DEBUG on, and the ingresses wired to devcenter as the README's Security section says."""
    return {
        **os.environ,
        "DEBUG": os.environ.get("DEBUG", "1"),
        "DEVCENTER_ADDRESS": addresses.address,
        "WORKSPACE_AUTH_URL": os.environ.get("WORKSPACE_AUTH_URL") or addresses.auth_url,
        "WORKSPACE_SIGNIN_URL": os.environ.get("WORKSPACE_SIGNIN_URL") or addresses.signin_url,
    }


def wait_for_kubeconfigs(addresses, timeout=15.0):
    """kubesim writes its kubeconfig once it listens; the worker needs it."""
    deadline = time.monotonic() + timeout
    paths = [VAR_DIR / f"kubesim-{name}.kubeconfig" for name in addresses.clusters]
    while time.monotonic() < deadline and not all(path.exists() for path in paths):
        time.sleep(0.2)


def main():
    try:
        addresses = launch_addresses()
    except AddressError as error:
        sys.exit(f"[make run] {error}")
    taken = ports_in_use(addresses)
    if taken:
        sys.exit(f"[make run] in use: {', '.join(taken)}. Stop the other launch, or give this one "
                 "another DEVCENTER_ADDRESS (e.g. DEVCENTER_ADDRESS=127.0.0.1:9000 make run).")
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    for name in addresses.clusters:  # written anew by each kubesim start (new token)
        (VAR_DIR / f"kubesim-{name}.kubeconfig").unlink(missing_ok=True)
    env = child_environment(addresses)
    processes = []
    for label, command in commands(addresses):
        say(f"starting {label}: {' '.join(command[1:])}")
        if label == "demo objects":
            wait_for_kubeconfigs(addresses)
            subprocess.run(command, cwd=BASE_DIR, env=env, check=False)  # one-off, before the worker
            continue
        processes.append((label, subprocess.Popen(command, cwd=BASE_DIR, env=env)))
    for cluster in addresses.clusters.values():
        say(f"workspaces of {cluster.name} on {cluster.workspace_base_url}/")
    say(f"serving devcenter on {addresses.devcenter_url}/ — sign in as dev / devcenter-demo")

    def stop(*_):
        for _, process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        for label, process in processes:
            if process.poll() is not None:
                print(f"[make run] {label} exited with {process.returncode}; stopping", flush=True)
                stop()
        time.sleep(1)


if __name__ == "__main__":
    main()
