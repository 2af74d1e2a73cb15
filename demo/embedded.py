"""`make run`: the whole product on one machine with no services installed.

Starts two simulated clusters (kubesim, real time), a Celery worker with beat on the
filesystem queue, the cluster watcher (`watch_clusters`) and Django's development server;
stops them all together.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DEVCENTER_VAR_DIR") or BASE_DIR / "var")
# name: (port, nodes); each simulated node has 64 cores, 512 GiB and 8 GPUs (seed_demo agrees).
SIMULATED_CLUSTERS = {"east": (16443, 4), "west": (16444, 2)}
ADDRESS = os.environ.get("DEVCENTER_ADDRESS", "127.0.0.1:8000")


def commands():
    python = sys.executable
    for name, (port, nodes) in SIMULATED_CLUSTERS.items():
        yield f"kubesim-{name}", [
            python, "-m", "kubesim", "--port", str(port), "--nodes", str(nodes),
            "--kubeconfig", str(VAR_DIR / f"kubesim-{name}.kubeconfig"),
            "--state", str(VAR_DIR / f"kubesim-{name}.json"),
            "--realtime",
        ]
    yield "demo objects", [python, "manage.py", "demo_cluster"]
    yield "worker", [
        python, "-m", "celery", "-A", "devcenter", "worker", "--beat", "--loglevel", "INFO",
        "--concurrency", "2", "--schedule", str(VAR_DIR / "celerybeat-schedule"),
    ]
    yield "watcher", [python, "manage.py", "watch_clusters"]  # statuses within seconds; beat resyncs
    yield "web", [python, "manage.py", "runserver", ADDRESS]


def wait_for_kubeconfigs(timeout=15.0):
    """kubesim writes its kubeconfig once it listens; the worker needs it."""
    deadline = time.monotonic() + timeout
    paths = [VAR_DIR / f"kubesim-{name}.kubeconfig" for name in SIMULATED_CLUSTERS]
    while time.monotonic() < deadline and not all(path.exists() for path in paths):
        time.sleep(0.2)


def main():
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    for name in SIMULATED_CLUSTERS:  # written anew by each kubesim start (new token)
        (VAR_DIR / f"kubesim-{name}.kubeconfig").unlink(missing_ok=True)
    env = {**os.environ, "DEBUG": os.environ.get("DEBUG", "1")}
    processes = []
    for label, command in commands():
        print(f"[make run] starting {label}: {' '.join(command[1:])}", flush=True)
        if label == "demo objects":
            wait_for_kubeconfigs()
            subprocess.run(command, cwd=BASE_DIR, env=env, check=False)  # one-off, before the worker
            continue
        processes.append((label, subprocess.Popen(command, cwd=BASE_DIR, env=env)))
    print(f"[make run] devcenter on http://{ADDRESS}/ — sign in as dev / devcenter-demo", flush=True)

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
