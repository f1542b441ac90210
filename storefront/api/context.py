"""Which storefront calls, in which mode, for which buyer's session.

- Server-side mode: `Authorization: Bearer <secret>`; the storefront whose
  secret's SHA-256 it is (compared in constant time). A wrong secret is a 401.
- Client-side mode (no secret): the active storefront whose allowed origins list
  the request's `Origin`; otherwise the first active storefront (by name) that
  allows any origin (an empty list). None: 401 `{"errors": {"origin": "not allowed"}}`.
- The session: the `API-token` header (or `Accept: */*; api-token=<t>` on a GET).
  A stored, unexpired session of this storefront is used; a token we signed but
  never stored is kept (nothing stored yet); anything else gets a new token.
  `API-token: none` asks for no token and no state.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from backoffice.services.selections import start_selection
from core.actors import process
from orders.models import Order, OrderStatus
from storefront.api import tokens
from storefront.models import CheckoutSession, Storefront

NO_TOKEN = "none"
_ACCEPT_TOKEN = re.compile(r"api-token=([^;,\s]+)", re.IGNORECASE)


class Refused(Exception):
    """An answer in Centra's error shape: a status and `errors` keyed by field."""

    def __init__(self, status: int, errors: dict[str, str], **extra):
        super().__init__(errors)
        self.status = status
        self.errors = errors
        self.extra = extra


@dataclass
class Checkout:
    storefront: Storefront
    server_side: bool
    token: str | None  # None: the caller sent `API-token: none`
    session: CheckoutSession | None = None  # None until the first stateful call
    _selection: Order | None = field(default=None, repr=False)

    @property
    def actor(self) -> str:
        return process("storefront", self.storefront.name)

    def selection(self) -> Order | None:
        """The buyer's open selection, or None (nothing stored yet, or just placed)."""
        if self._selection is None and self.session and self.session.selection_id:
            order = self.session.selection
            if order.status != OrderStatus.INCOMPLETE:
                self.detach(order)
            else:
                self._selection = order
        return self._selection

    def refresh(self) -> None:
        """Read the session and its selection again (a service or the placement changed them)."""
        self._selection = None
        if self.session is not None:
            self.session.refresh_from_db(fields=["selection", "last_order"])

    def open_selection(self) -> Order:
        """The buyer's selection, created (and the session stored) if there is none."""
        order = self.selection()
        if order is not None:
            return order
        if self.token is None:
            raise Refused(406, {"token": "a selection needs a token: send none only to read"})
        with transaction.atomic():
            order = start_selection(
                market=self.storefront.market.code,
                language=self.storefront.language,
                by=self.actor,
            )
            self._store(selection=order)
        self._selection = order
        return order

    def detach(self, order: Order) -> None:
        """The selection became an order: the session keeps it as its last order and
        starts again with no selection (`GET /receipt` still finds the order)."""
        CheckoutSession.objects.filter(pk=self.session.pk).update(selection=None, last_order=order)
        self.session.selection, self.session.last_order = None, order
        self._selection = None

    def _store(self, *, selection: Order) -> CheckoutSession:
        now = timezone.now()
        if self.session is None:
            self.session = CheckoutSession.objects.create(
                token_hash=tokens.digest(self.token),
                storefront=self.storefront,
                selection=selection,
                last_used_at=now,
                expires_at=now + tokens.LIFETIME,
            )
        else:
            self.session.selection = selection
            self.session.save(update_fields=["selection"])
        return self.session


def storefront_for(request) -> tuple[Storefront, bool]:
    """The calling storefront and whether it called server-side (with its secret)."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, secret = header.partition(" ")
        if scheme != "Bearer" or not secret.strip():
            raise Refused(401, {"authorization": "send Authorization: Bearer <secret>"})
        wanted = tokens.digest(secret.strip())
        found = Storefront.objects.select_related("market__pricelist").filter(
            secret_hash=wanted, is_active=True
        )
        storefront = found.first()
        if storefront is None or not hmac.compare_digest(storefront.secret_hash, wanted):
            raise Refused(401, {"authorization": "not valid"})
        return storefront, True
    return _by_origin(request.headers.get("Origin", "") or _own_origin(request)), False


def _own_origin(request) -> str:
    """A browser sends no `Origin` on a same-origin GET; it says `Sec-Fetch-Site:
    same-origin` instead, so the page is on this host: its origin is ours. (Any
    cross-site browser call carries `Origin`, which is what the check is for.)"""
    if request.headers.get("Sec-Fetch-Site") != "same-origin":
        return ""
    return f"{request.scheme}://{request.get_host()}"


def _by_origin(origin: str) -> Storefront:
    active = list(Storefront.objects.select_related("market__pricelist").filter(is_active=True))
    origin = origin.rstrip("/")
    listing = [s for s in active if origin and origin in allowed_origins(s)]
    anyone = [s for s in active if not allowed_origins(s)]
    if listing or anyone:
        return (listing or anyone)[0]
    raise Refused(401, {"origin": "not allowed"})


def allowed_origins(storefront: Storefront) -> list[str]:
    return [
        line.strip().rstrip("/") for line in storefront.allowed_origins.splitlines() if line.strip()
    ]


def token_sent(request) -> str:
    sent = request.headers.get("API-token", "").strip()
    if not sent and request.method == "GET":
        found = _ACCEPT_TOKEN.search(request.headers.get("Accept", ""))
        sent = found.group(1) if found else ""
    return sent


def checkout_for(request) -> Checkout:
    storefront, server_side = storefront_for(request)
    sent = token_sent(request)
    if sent.lower() == NO_TOKEN:
        return Checkout(storefront=storefront, server_side=server_side, token=None)
    session = _live_session(storefront, sent) if sent else None
    if session is not None:
        return Checkout(storefront, server_side, token=sent, session=session)
    stored = sent and CheckoutSession.objects.filter(token_hash=tokens.digest(sent)).exists()
    keep = sent and not stored and tokens.is_ours(sent)
    return Checkout(storefront, server_side, token=sent if keep else tokens.mint())


def _live_session(storefront: Storefront, token: str) -> CheckoutSession | None:
    now = timezone.now()
    session = (
        CheckoutSession.objects.select_related("selection")
        .filter(token_hash=tokens.digest(token), storefront=storefront, expires_at__gt=now)
        .first()
    )
    if session is not None and now - session.last_used_at > tokens.REFRESH_AFTER:
        session.last_used_at, session.expires_at = now, now + tokens.LIFETIME
        session.save(update_fields=["last_used_at", "expires_at"])
    return session
