"""Where a webhook may go: checked when an integration is saved, and again before each POST.

- `https` only; plain `http` in DEBUG, or to a host named in `WEBHOOK_HTTP_HOSTS`.
- The host is resolved, and every address it resolves to must be public: a
  loopback, link-local (cloud metadata), private, shared, multicast, reserved or
  unspecified address is refused, IPv4-mapped IPv6 (`[::ffff:127.0.0.1]`) and
  odd spellings (`0x7f.1`, `2130706433`) included, since they are judged by the
  address they resolve to. `WEBHOOK_ALLOWED_NETWORKS` (CIDRs) lets an
  on-premises receiver through.
- The POST goes to the address that was checked (`Endpoint.address`), so a name
  that resolves elsewhere a moment later (DNS rebinding) is not followed; nor
  are redirects (`integrations.webhooks`).

A refusal never connects, so its sentence cannot tell an open port from a closed one.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DEFAULT_PORTS = {"https": 443, "http": 80}

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class Refused(Exception):
    """The endpoint may not be used; the message is one sentence for the admin."""


@dataclass(frozen=True)
class Endpoint:
    scheme: str
    host: str  # as written (the Host header, the TLS server name)
    port: int
    target: str  # path and query
    address: str  # the checked address to connect to


def refusal(url: str) -> str | None:
    """Why `url` may not receive webhooks, or None."""
    try:
        checked(url)
    except Refused as refused:
        return str(refused)
    return None


def checked(url: str) -> Endpoint:
    """The endpoint of `url`, resolved and checked; `Refused` otherwise."""
    scheme, host, port, target = _parts(url)
    address = _public_address(host, port)
    return Endpoint(scheme=scheme, host=host, port=port, target=target, address=address)


def _parts(url: str) -> tuple[str, str, int, str]:
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused(_("Refused: the endpoint URL cannot be read.")) from None
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if scheme not in DEFAULT_PORTS:
        raise Refused(_("Refused: the endpoint URL must start with https://."))
    if not host:
        raise Refused(_("Refused: the endpoint URL has no host."))
    if parts.username is not None or parts.password is not None:
        raise Refused(_("Refused: the endpoint URL may not carry a user name or password."))
    if scheme == "http" and not _plain_http_allowed(host):
        raise Refused(
            _(
                "Refused: %(host)s must be reached over https "
                "(plain http only in DEBUG or for a host in WEBHOOK_HTTP_HOSTS)."
            )
            % {"host": host}
        )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port or DEFAULT_PORTS[scheme], target


def _plain_http_allowed(host: str) -> bool:
    named = {name.lower() for name in settings.WEBHOOK_HTTP_HOSTS}
    return settings.DEBUG or host in named


def _public_address(host: str, port: int) -> str:
    addresses = _resolve(host, port)
    for address in addresses:
        kind = forbidden_kind(address)
        if kind:
            raise Refused(FORBIDDEN_SENTENCES[kind] % {"host": host})
    return str(addresses[0])


def _resolve(host: str, port: int) -> list[Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    except (OSError, UnicodeError, ValueError):
        addresses = []
    if not addresses:
        raise Refused(_("Refused: %(host)s could not be resolved.") % {"host": host})
    return addresses


# The checks in order, the first that matches names the refusal.
_KINDS = [
    ("loopback", "is_loopback"),
    ("link-local", "is_link_local"),
    ("multicast", "is_multicast"),
    ("unspecified", "is_unspecified"),
    ("reserved", "is_reserved"),
    ("private", "is_private"),
]


def forbidden_kind(address: Address) -> str | None:
    """What kind of non-public address this is (None: public, or allowed by the settings)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # Python 3.11 does not look inside the mapping
    if any(address in network for network in allowed_networks()):
        return None
    for kind, test in _KINDS:
        if getattr(address, test):
            return kind
    return None if address.is_global else "non-public"


# The refusal of each kind, whole: the kind is a word of the sentence, not a code.
FORBIDDEN_SENTENCES = {
    "loopback": gettext_lazy(
        "Refused: %(host)s resolves to a loopback address, which webhooks may not reach "
        "(WEBHOOK_ALLOWED_NETWORKS lists on-premises exceptions)."
    ),
    "link-local": gettext_lazy(
        "Refused: %(host)s resolves to a link-local address, which webhooks may not reach "
        "(WEBHOOK_ALLOWED_NETWORKS lists on-premises exceptions)."
    ),
    "multicast": gettext_lazy(
        "Refused: %(host)s resolves to a multicast address, which webhooks may not reach "
        "(WEBHOOK_ALLOWED_NETWORKS lists on-premises exceptions)."
    ),
    "unspecified": gettext_lazy(
        "Refused: %(host)s resolves to a unspecified address, which webhooks may not reach "
        "(WEBHOOK_ALLOWED_NETWORKS lists on-premises exceptions)."
    ),
    "reserved": gettext_lazy(
        "Refused: %(host)s resolves to a reserved address, which webhooks may not reach "
        "(WEBHOOK_ALLOWED_NETWORKS lists on-premises exceptions)."
    ),
    "private": gettext_lazy(
        "Refused: %(host)s resolves to a private address, which webhooks may not reach "
        "(WEBHOOK_ALLOWED_NETWORKS lists on-premises exceptions)."
    ),
    "non-public": gettext_lazy(
        "Refused: %(host)s resolves to a non-public address, which webhooks may not reach "
        "(WEBHOOK_ALLOWED_NETWORKS lists on-premises exceptions)."
    ),
}


def allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in settings.WEBHOOK_ALLOWED_NETWORKS]
