"""Where one `make run` listens: devcenter, and each simulated cluster's API and ingress.

One knob, `DEVCENTER_ADDRESS` (default 127.0.0.1:8000), places everything, so a second
instance on another address never collides with the first: the cluster at index i gets its
Kubernetes API on port + 8443 + i (16443, 16444 by default) and its workspace ingress on
port + 1 + i (8001, 8002). Workspaces are published on the ingress's port of the same host as
devcenter: browsers send cookies per host, not per port, so devcenter's session reaches them.
Read by the launcher, seed_demo and demo_cluster alike (each from the same environment).
"""

import os
from dataclasses import dataclass

DEFAULT_ADDRESS = "127.0.0.1:8000"
# name: simulated nodes (64 cores, 512 GiB, 8 GPUs each: seed_demo's capacities agree).
SIMULATED_CLUSTERS = {"east": 4, "west": 2}
API_PORT_OFFSET = 8443
# Hosts a browser cannot be sent to: a server listening on all addresses is reached on loopback.
_ANY_HOST = {"", "0.0.0.0", "::"}  # noqa: S104 - compared with, never bound


class AddressError(ValueError):
    """DEVCENTER_ADDRESS cannot place this launch; the message says why."""


@dataclass(frozen=True)
class SimulatedCluster:
    name: str
    nodes: int
    api_port: int
    ingress_port: int
    browser_host: str

    @property
    def workspace_base_url(self) -> str:
        return f"http://{self.browser_host}:{self.ingress_port}"


@dataclass(frozen=True)
class LaunchAddresses:
    host: str
    port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def browser_host(self) -> str:
        return "127.0.0.1" if self.host in _ANY_HOST else self.host

    @property
    def devcenter_url(self) -> str:
        return f"http://{self.browser_host}:{self.port}"

    @property
    def auth_url(self) -> str:
        """devcenter's forward-auth as the ingresses reach it (WORKSPACE_AUTH_URL)."""
        return f"{self.devcenter_url}/auth/workspace/"

    @property
    def signin_url(self) -> str:
        """Where an ingress sends an anonymous visitor (WORKSPACE_SIGNIN_URL)."""
        return f"{self.devcenter_url}/accounts/login/"

    @property
    def clusters(self) -> dict[str, SimulatedCluster]:
        return {
            name: SimulatedCluster(
                name, nodes, self.port + API_PORT_OFFSET + index, self.port + 1 + index, self.browser_host
            )
            for index, (name, nodes) in enumerate(SIMULATED_CLUSTERS.items())
        }

    def ports(self) -> dict[int, str]:
        """Every port this launch listens on -> what listens there."""
        ports = {self.port: "devcenter"}
        for cluster in self.clusters.values():
            ports[cluster.api_port] = f"the simulated cluster {cluster.name}'s API"
            ports[cluster.ingress_port] = f"the simulated cluster {cluster.name}'s workspace ingress"
        return ports


def parse_address(address: str) -> LaunchAddresses:
    host, separator, port_text = (address or "").strip().rpartition(":")
    if not separator or not port_text.isdigit():
        raise AddressError(f"DEVCENTER_ADDRESS={address!r} is not HOST:PORT (e.g. 127.0.0.1:8000).")
    port = int(port_text)
    highest = port + API_PORT_OFFSET + len(SIMULATED_CLUSTERS) - 1
    if port < 1024 or highest > 65535:
        raise AddressError(
            f"DEVCENTER_ADDRESS={address!r}: the port must be between 1024 and {65535 - highest + port}, "
            "since the simulated clusters listen above it."
        )
    return LaunchAddresses(host.strip("[]"), port)


def launch_addresses() -> LaunchAddresses:
    """This launch's addresses, from DEVCENTER_ADDRESS."""
    return parse_address(os.environ.get("DEVCENTER_ADDRESS") or DEFAULT_ADDRESS)
