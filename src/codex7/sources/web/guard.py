"""URL safety for a server that fetches what users name: no loopback, private, link-local,
multicast, reserved or cloud-metadata targets unless the operator allows them.

The check runs where the connection is made (a network backend under httpx), on every address
the host name resolves to, so every redirect hop and every new connection is checked, and a name
that resolves differently between a check and the connect (DNS rebinding) cannot slip through.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from codex7.errors import SourceError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Instance metadata services (AWS, GCP, Azure, ECS, Alibaba): credentials live there.
METADATA = {
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200")
}


_HOST = re.compile(r"(\*\.)?[a-z0-9_-]+(\.[a-z0-9_-]+)*")


class URLRefused(SourceError):
    """A URL Codex7 will not fetch: wrong scheme, or a host that resolves to a guarded address."""


@dataclass(frozen=True)
class FetchAllow:
    """Hosts and networks the operator allows although they are not public (CODEX7_FETCH_ALLOW:
    `127.0.0.1,10.0.0.0/8,docs.intranet,*.corp.example`)."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def parse(cls, allow: str | Iterable[str]) -> FetchAllow:
        entries = allow.split(",") if isinstance(allow, str) else list(allow)
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in entries:
            entry = raw.strip().lower().rstrip(".")
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                if not _HOST.fullmatch(entry):
                    raise SourceError(
                        f"CODEX7_FETCH_ALLOW entry {raw.strip()!r} is neither a host name nor an "
                        "address or CIDR network (e.g. docs.intranet, 127.0.0.1, 10.0.0.0/8)"
                    ) from None
                hosts.add(entry)
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self.hosts or any(
            h.startswith("*.") and host.endswith(h[1:]) for h in self.hosts
        )

    def allows_address(self, ip: IPAddress) -> bool:
        if ip in METADATA:  # only when named exactly, never through a wider network
            return any(n.num_addresses == 1 and ip in n for n in self.networks)
        return any(ip.version == n.version and ip in n for n in self.networks)


def guarded_reason(ip: IPAddress) -> str | None:
    """Why an address is not fetched by default, or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip in METADATA:
        return "a cloud metadata address"
    for attr, reason in (
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_unspecified", "unspecified"),
        ("is_private", "private"),
        ("is_reserved", "reserved"),
    ):
        if getattr(ip, attr):
            return reason
    return None if ip.is_global else "not a public address"


def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise SourceError(f"Cannot resolve host {host!r}: {e}") from None
    seen: dict[IPAddress, None] = {}
    for info in infos:
        seen[ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])] = None
    return list(seen)


def vetted_addresses(host: str, port: int, allow: FetchAllow) -> list[IPAddress]:
    """The addresses `host` resolves to, if every one of them may be fetched."""
    addresses = resolve(host, port)
    if allow.allows_host(host):
        return addresses
    for ip in addresses:
        reason = guarded_reason(ip)
        if reason and not allow.allows_address(ip):
            raise URLRefused(
                f"Refused to fetch from {host}: it resolves to {ip}, {reason}. Allow it with "
                f"CODEX7_FETCH_ALLOW={host} (a host name, address or CIDR network, comma-separated)"
            )
    return addresses


def check_url(url: str, allow: FetchAllow) -> None:
    """Refuse a URL that is not http(s) or whose host resolves to a guarded address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise URLRefused(f"Refused to fetch {url!r}: only http:// and https:// URLs can be crawled")
    vetted_addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80), allow)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's socket backend, connecting only to vetted addresses of the requested host."""

    def __init__(self, allow: FetchAllow) -> None:
        self.allow = allow
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        error: Exception | None = None
        for ip in vetted_addresses(host.strip("[]"), port, self.allow):
            try:
                return self._backend.connect_tcp(
                    str(ip),
                    port,
                    timeout,
                    local_address,
                    socket_options,  # type: ignore[arg-type]
                )
            except httpcore.ConnectError as e:
                error = e
        raise error or httpcore.ConnectError(f"no address for {host}")

    def connect_unix_socket(self, *args: object, **kwargs: object) -> httpcore.NetworkStream:
        raise URLRefused("Refused to connect to a unix socket")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over a GuardedBackend; no proxies (a proxy would hide the target)."""

    def __init__(self, allow: FetchAllow, *, max_connections: int = 10) -> None:
        super().__init__(trust_env=False)
        ctx: ssl.SSLContext = httpx.create_ssl_context(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ctx,
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            network_backend=GuardedBackend(allow),
        )
