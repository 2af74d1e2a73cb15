"""What the bench needs of the processes it starts as the deploy does: where their database
is, and how much memory they took at most."""

import argparse
import os
from pathlib import Path


def peak_rss_mib(pid: int) -> dict[int, float]:
    """VmHWM (peak resident set) of a process and of its children, MiB by pid (Linux /proc)."""
    peaks = {}
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peaks[current] = int(line.split()[1]) / 1024
        pending.extend(int(child) for child in children)
    return peaks


def database_url() -> str:
    """This process's database (the bench's), for a child process's DATABASE_URL."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def run_standalone(doc: str, bench, argv=None) -> None:
    """`python -m bench.<part> [sizes...]`: set Django up and print each size's figures."""
    import django

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10000])
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devcenter.settings")
    django.setup()
    for size in args.sizes:
        print(f"\n{size:,} workloads")
        for label, value in bench(size):
            print(f"  {label:<44} {value}")
