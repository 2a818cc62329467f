"""Which client a request comes from: the address every per-address limit is keyed by (pure).

The direct peer is the client unless it is one of the operator's proxies
(``TANDEM_TRUSTED_PROXIES``, CIDRs). Only then is ``X-Forwarded-For`` read, from the right: each
trusted proxy appended the address it saw, so the right-most hop that is not a trusted proxy is
the client; everything left of it is whatever the client chose to send. An IPv6 client is keyed
by its /64, since one host is usually given a whole /64 to pick addresses from.

Example::

    trusted = parse_networks(["10.0.0.0/8"])
    client_address("10.0.0.5", "203.0.113.9, 10.0.0.7", trusted)   # "203.0.113.9"
    client_address("198.51.100.2", "1.2.3.4", trusted)              # "198.51.100.2": untrusted peer
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address
UNKNOWN = "-"


def parse_networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def _parse(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _trusted(address: Address, trusted: Sequence[Network]) -> bool:
    return any(address.version == n.version and address in n for n in trusted)


def key_of(address: Address) -> str:
    """The limit key of an address: itself for IPv4, its /64 for IPv6."""
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str:
    """The limit key of the client behind ``peer`` (see the module's doc)."""
    current = _parse(peer or "")
    if current is None:
        return UNKNOWN
    if not forwarded_for or not _trusted(current, trusted):
        return key_of(current)
    for hop in reversed(forwarded_for.split(",")):
        address = _parse(hop)
        if address is None:
            break  # a trusted proxy wrote something unreadable: the last good hop is all we know
        current = address
        if not _trusted(address, trusted):
            break
    return key_of(current)
