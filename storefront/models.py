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
from django.utils.translation import gettext_lazy as _

from orders.models import Order


class Storefront(models.Model):
    name = models.SlugField(
        _("name"),
        max_length=64,
        unique=True,
        help_text=_("Its orders are placed by “storefront:<name>”."),
    )
    secret_hash = models.CharField(
        _("shared secret (SHA-256)"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("Server-side mode: the shop sends “Authorization: Bearer <secret>”."),
    )
    allowed_origins = models.TextField(
        _("allowed origins"),
        blank=True,
        help_text=_(
            "Client-side mode: the origins (scheme://host[:port]) browsers may call "
            "from, one per line. Empty: any origin."
        ),
    )
    market = models.ForeignKey(
        "catalog.Market",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("market"),
        help_text=_("A new selection's market, until its country says otherwise."),
    )
    language = models.CharField(_("language"), max_length=8, default="en")
    is_active = models.BooleanField(_("is active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("storefront")
        verbose_name_plural = _("storefronts")

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

    class Meta:
        verbose_name = _("checkout session")
        verbose_name_plural = _("checkout sessions")

    def __str__(self) -> str:
        return _("session %(pk)s of %(storefront)s") % {
            "pk": self.pk,
            "storefront": self.storefront,
        }
