"""`python -m kubesim --port P --kubeconfig FILE`: serve a simulated cluster.

Time runs in real time here (optionally faster with --speed), since nobody calls advance().
"""

import argparse
import os
import signal
import sys
import threading

from kubesim.kubeconfig import write_kubeconfig
from kubesim.server import KubeSimServer
from kubesim.simulator import Simulator

# A loopback-only simulator: a fixed token keeps kubeconfigs valid across restarts.
DEFAULT_TOKEN = "kubesim-local-token"  # noqa: S105


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="python -m kubesim", description="Serve a simulated Kubernetes API.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001, help="0 picks a free port")
    parser.add_argument("--kubeconfig", help="write a kubeconfig (context 'kubesim') to this file")
    parser.add_argument("--context", default="kubesim")
    parser.add_argument("--token", default=os.environ.get("KUBESIM_TOKEN", DEFAULT_TOKEN))
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--realtime", action="store_true", default=True, help="(default) controllers follow the clock")
    parser.add_argument("--speed", type=float, default=1.0, help="simulated seconds per real second")
    parser.add_argument("--state", help="load objects from this JSON file at start, save them periodically and on exit")
    parser.add_argument("--save-interval", type=float, default=10.0)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    sim = Simulator(nodes=args.nodes, realtime=True, speed=args.speed, token=args.token or None)
    if args.state and os.path.exists(args.state):
        sim.load_state(args.state)
    server = KubeSimServer(sim, args.host, args.port).start()
    sim.start_realtime()
    if args.kubeconfig:
        write_kubeconfig(args.kubeconfig, server.url, args.token, args.context)
    print(f"kubesim serving {server.url}" + (f" (kubeconfig {args.kubeconfig})" if args.kubeconfig else ""),
          flush=True)

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    try:
        while not stop.wait(args.save_interval if args.state else 3600):
            if args.state:
                sim.save_state(args.state)
    finally:
        sim.stop_realtime()
        server.stop()
        if args.state:
            sim.save_state(args.state)
    print("kubesim stopped", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
