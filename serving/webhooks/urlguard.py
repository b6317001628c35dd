"""Where a webhook may point: public addresses only (no SSRF into the network BenchCRM runs in).

A URL is checked when it is registered or changed (the API answers 422 with the reason) and again at every
delivery, where the host is resolved once and the request goes to that checked address (the Host header and TLS
SNI keep the name), so a DNS answer that changes between the check and the connection cannot reach a private
address. Refused:

- schemes other than https (http too outside development), credentials in the URL, fragments;
- host names that only mean something inside a network: single labels (`kubernetes`, `metadata`), `localhost`
  and `*.localhost`, `*.local`, `*.internal` (so `metadata.google.internal`), `*.svc`, `*.cluster.local`, `*.lan`,
  `*.home.arpa`;
- numeric hosts in any form but canonical dotted-quad or bracketed IPv6 (`2130706433`, `0x7f000001`, `127.1`);
- every address that is not globally routable: loopback, RFC 1918 and other private ranges, shared/CGNAT
  (100.64/10, which holds Alibaba's metadata service), link-local (169.254/16, the cloud metadata address), multicast,
  unspecified, reserved, documentation, IPv6 loopback, link-local and unique-local (fc00::/7, so fd00:ec2::254),
  and IPv4 addresses embedded in IPv6 (IPv4-mapped, 6to4, Teredo, NAT64) are judged as the IPv4 address they carry;
- a host that does not resolve, or that resolves to any refused address.

`allow_private_networks` (the `webhook_allow_private_networks` setting, development only) lets loopback and private
addresses through for tests and local receivers; link-local/metadata, multicast and unspecified stay refused.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

_INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".svc", ".cluster.local", ".lan", ".home.arpa",
                      ".intranet", ".corp")
_INTERNAL_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"})
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]*))*\.?$")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


class UnsafeWebhookUrl(ValueError):
    """The URL may not receive webhooks; the message says why (safe to show to the tenant)."""


@dataclass(frozen=True)
class WebhookPolicy:
    allow_http: bool = False
    allow_private_networks: bool = False

    @classmethod
    def from_settings(cls, settings: Any) -> WebhookPolicy:
        return cls(allow_http=settings.webhook_allow_http,
                   allow_private_networks=settings.webhook_allow_private_networks)


@dataclass(frozen=True)
class Target:
    """A checked destination: the URL as registered, its host name, and the address to connect to."""

    url: str
    scheme: str
    host: str
    port: int
    address: str


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]).split("%", 1)[0] for info in infos]


def _embedded_ipv4(addr: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    if addr.sixtofour is not None:
        return addr.sixtofour
    if addr.teredo is not None:
        return addr.teredo[1]
    if addr in _NAT64:
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    if int(addr) >> 32 == 0 and int(addr) > 1:  # deprecated IPv4-compatible ::a.b.c.d
        return ipaddress.IPv4Address(int(addr) & 0xFFFFFFFF)
    return None


def address_refusal(addr: IpAddress, *, allow_private_networks: bool = False) -> str | None:
    """Why `addr` may not receive webhooks, or None when it may."""
    if isinstance(addr, ipaddress.IPv6Address):
        if addr.scope_id:
            return "a scoped IPv6 address is not allowed"
        if addr in _NAT64_LOCAL:
            return "a local-use NAT64 address is not allowed"
        embedded = _embedded_ipv4(addr)
        if embedded is not None:
            inner = address_refusal(embedded, allow_private_networks=allow_private_networks)
            return f"{inner} (embedded in IPv6)" if inner else None
    if addr.is_unspecified:
        return "the unspecified address is not allowed"
    if addr.is_multicast:
        return "a multicast address is not allowed"
    if addr.is_link_local:
        return "a link-local address (such as a cloud metadata service) is not allowed"
    if allow_private_networks and (addr.is_loopback or addr.is_private):
        return None
    if addr.is_loopback:
        return "a loopback address is not allowed"
    if addr.is_private or (isinstance(addr, ipaddress.IPv6Address) and addr.is_site_local):
        return "a private-network address is not allowed"
    if addr.is_reserved or not addr.is_global:
        return "a reserved or non-public address is not allowed"
    return None


def _parse(url: str, policy: WebhookPolicy) -> tuple[str, str, int, IpAddress | None]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeWebhookUrl("the URL is malformed") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeWebhookUrl("the URL must use https")
    if scheme == "http" and not policy.allow_http:
        raise UnsafeWebhookUrl("the URL must use https")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise UnsafeWebhookUrl("credentials in the URL are not allowed; authenticate with the signing secret")
    if parts.fragment:
        raise UnsafeWebhookUrl("a fragment is not allowed in the URL")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise UnsafeWebhookUrl("the URL has no host")
    port = port or (443 if scheme == "https" else 80)
    if port == 0:
        raise UnsafeWebhookUrl("port 0 is not allowed")
    if ":" in host:  # a bracketed IPv6 literal (urlsplit drops the brackets)
        try:
            return scheme, host, port, ipaddress.IPv6Address(host)
        except ValueError:
            raise UnsafeWebhookUrl("the IPv6 address is malformed") from None
    try:
        return scheme, host, port, ipaddress.IPv4Address(host)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        raise UnsafeWebhookUrl("a numeric host must be a dotted-quad IPv4 address")
    if host in _INTERNAL_NAMES or host.endswith(_INTERNAL_SUFFIXES):
        raise UnsafeWebhookUrl(f"{host!r} is an internal host name")
    labels = host.split(".")
    if len(labels) < 2:
        raise UnsafeWebhookUrl("the host must be a fully qualified public name")
    if not all(_LABEL.match(label) for label in labels):
        raise UnsafeWebhookUrl("the host name is malformed")
    return scheme, host, port, None


def check_url(url: str, policy: WebhookPolicy, resolver: Resolver = system_resolver) -> Target:
    """Check `url` and resolve its host; every address it resolves to must be allowed.

    Returns the target with the first address, which the caller must connect to (not the name). Raises
    UnsafeWebhookUrl with a reason safe to show the tenant.
    """
    scheme, host, port, literal = _parse(url, policy)
    if literal is not None:
        addresses: list[IpAddress] = [literal]
    else:
        try:
            raw = list(resolver(host, port))
        except (OSError, UnicodeError):
            raise UnsafeWebhookUrl(f"the host {host!r} does not resolve") from None
        addresses = []
        for text in raw:
            try:
                addresses.append(ipaddress.ip_address(text))
            except ValueError:
                raise UnsafeWebhookUrl(f"the host {host!r} resolves to an invalid address") from None
        if not addresses:
            raise UnsafeWebhookUrl(f"the host {host!r} does not resolve")
    for addr in addresses:
        reason = address_refusal(addr, allow_private_networks=policy.allow_private_networks)
        if reason:
            where = "" if literal is not None else f"the host {host!r} resolves to an address that is not public: "
            raise UnsafeWebhookUrl(where + reason if where else reason)
    return Target(url=url, scheme=scheme, host=host, port=port, address=str(addresses[0]))
