"""The shops that take orders through the Checkout API, and their buyers' sessions.

A storefront is one shop (a website, an app): its name is the actor its orders
are placed by (`storefront:<name>`), its shared secret unlocks server-side mode,
its allowed origins guard client-side mode. A checkout session is what the
buyer's `API-token` stands for: the token itself is never stored, only its
SHA-256, and the session points at the selection (an Incomplete order) the buyer
is filling and at the last order it placed (for `GET /receipt`).
"""

from __future__ import annotations

from django.db import models

from orders.models import Order


class Storefront(models.Model):
    name = models.SlugField(
        max_length=64, unique=True, help_text="Its orders are placed by “storefront:<name>”."
    )
    secret_hash = models.CharField(
        "shared secret (SHA-256)",
        max_length=64,
        blank=True,
        editable=False,
        help_text="Server-side mode: the shop sends “Authorization: Bearer <secret>”.",
    )
    allowed_origins = models.TextField(
        blank=True,
        help_text=(
            "Client-side mode: the origins (scheme://host[:port]) browsers may call "
            "from, one per line. Empty: any origin."
        ),
    )
    market = models.ForeignKey(
        "catalog.Market",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A new selection's market, until its country says otherwise.",
    )
    language = models.CharField(max_length=8, default="en")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CheckoutSession(models.Model):
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    storefront = models.ForeignKey(Storefront, on_delete=models.CASCADE, related_name="sessions")
    selection = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField()
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"session {self.pk} of {self.storefront}"
