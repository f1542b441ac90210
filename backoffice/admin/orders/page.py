"""The order page: editable details and lines (the line table is `lines`), its
shipments and payment with their steps, and the timeline."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import quote
from django.db.models import Prefetch, prefetch_related_objects
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.admin.orders.cancel_way import cancel_products_way, step_shortcuts
from backoffice.admin.orders.glance import order_glance
from backoffice.admin.orders.lines import (
    OrderLineFormSet,
    lines_editable_by,
    lines_form_shown,
    posts_line_values,
)
from backoffice.admin.orders.origin import origin_glance
from backoffice.admin.orders.payment_note import refund_way
from backoffice.admin.orders.returns_section import returns_rows, with_return_instruction
from backoffice.admin.orders.timeline import line_rows, timeline_context
from backoffice.services import LineEdits, edit_order, line_edit_refusal
from backoffice.services.line_edits import stale_page_refusal
from backoffice.services.payment_links import payment_link_of
from core.admin.links import change_url
from core.errors import DomainError
from core.fsm import is_allowed
from core.money import format_money
from orders.models import Order, OrderEvent, OrderStatus
from orders.models.conditions import has_something_to_ship
from outbox.models import OutboxMessage
from payments.models import Payment, PaymentTransaction
from payments.selectors import amount_texts
from returns.selectors import RETURNED_WITH_SHIPMENTS
from shipments.admin import shipment_badge
from shipments.models import Shipment, ShipmentStatus
from shipments.selectors import lines_with_order_lines


class OrderPageForm(forms.ModelForm):
    """The order's details, and which version of the order the page shows."""

    loaded_version = forms.CharField(
        label=gettext_lazy("Loaded version"), widget=forms.HiddenInput, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loaded_version"].initial = self.instance.version


class OrderPageMixin:
    """The change page of `OrderAdmin`: what it shows beside the form, and saving."""

    def order_page_section(self, request, order: Order) -> dict:
        """The facts at the top, the step buttons, shipments, payment and returns
        (a `page_sections` entry)."""
        shipments = self._shipments_of(order)
        available, blocked = self.step_buttons(request, order)
        # "Nothing left to ship" is where a shipped order should be, not a block.
        done = has_something_to_ship.refusal.format(obj=order)
        notes = [sentence for sentence in blocked if sentence == done]
        blocked = [sentence for sentence in blocked if sentence != done]
        # One "Cancel products…" on the page (its form cancels any unshipped unit);
        # "Cancel unshipped products" stays the list's bulk action (the walk found
        # three look-alike cancel buttons here).
        if any(button["name"] == "cancel_products" for button in available):
            available = [b for b in available if b["name"] != "cancel_unshipped_products"]
        if is_allowed(order.start_processing, by=request.user):
            available.append(self._split_button(order))
        shipments_part = self.shipments_context(request, order, shipments)
        payment = self.payment_context(request, order)
        back_to = reverse(
            "admin:orders_order_change", args=[quote(order.pk)], current_app=self.admin_site.name
        )
        return_rows = returns_rows(self.admin_site, request, order, back_to=back_to)
        way = cancel_products_way(order, request.user, shipments_part["shipment_rows"], available)
        if way:
            blocked.append(way)
        if payment and not payment["payment_step_buttons"]:
            payment["payment_note"] = refund_way(
                request.user, payment["payment"], shipments_part["shipment_rows"], return_rows
            )
        shortcuts = step_shortcuts(shipments_part["shipment_rows"], return_rows)
        return {
            "step_buttons": available,
            "step_shortcuts": shortcuts,
            "no_steps_text": _("No step of the order itself is yours now; on its parts:")
            if shortcuts
            else None,
            "blocked_steps": with_return_instruction(
                order, blocked, shipments_part["shipment_rows"]
            ),
            "step_notes": notes,
            "return_rows": return_rows,
            "selection_links": self.selection_links(request, order),
            "flow_url": reverse(
                "admin:orders_order_flow_of",
                args=[quote(order.pk)],
                current_app=self.admin_site.name,
            ),
            **payment,
            **shipments_part,
            "glance": order_glance(order, payment.get("payment"), shipments)
            | {
                "origin": origin_glance(self.admin_site, request, order, shipments),
                # The link to send again, while the order waits for the customer's payment.
                "payment_link": payment_link_of(order, base_url=request.build_absolute_uri("/")),
            },
        }

    def _shipments_of(self, order: Order) -> list[Shipment]:
        """The order's shipments with their lines, read once: the shipping steps'
        checks read `order.shipments.all()`, these ones (and the totals and the
        line table `order.lines.all()`)."""
        prefetch_related_objects(
            [order],
            "lines",
            Prefetch(
                "shipments",
                queryset=Shipment.objects.select_related("warehouse")
                .prefetch_related(Prefetch("lines", queryset=lines_with_order_lines()))
                .order_by("sequence"),
            ),
        )
        shipments = list(order.shipments.all())
        # What the completed ones have left to return, for their "Create return"
        # buttons: one query for all of them rather than one each.
        completed = [s for s in shipments if s.status == ShipmentStatus.COMPLETED]
        prefetch_related_objects(completed, RETURNED_WITH_SHIPMENTS)
        for shipment in shipments:
            shipment.order = order
        return shipments

    def get_inlines(self, request, obj):
        # Decided once per page: lines that may not be edited are a text table
        # (`render_change_form`), since a read-only inline would still render a
        # form per line; the page's other steps read the answer from the formsets.
        if obj is None or not lines_editable_by(request, obj):
            return []
        return super().get_inlines(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context.update(timeline_context(request, obj, admin_site_name=self.admin_site.name))
            if not lines_form_shown(context):
                context["line_rows"] = line_rows(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def shipments_context(self, request, order: Order, shipments: list[Shipment]) -> dict:
        """The order's shipments with the steps this user may take on each now."""
        shipment_admin = self.admin_site.get_model_admin(Shipment)
        back_to = reverse(
            "admin:orders_order_change", args=[quote(order.pk)], current_app=self.admin_site.name
        )
        rows = []
        for shipment in shipments:
            available, _blocked = shipment_admin.step_buttons(request, shipment, back_to=back_to)
            for button in available:
                # Links, not POST buttons: this section sits inside the order's form,
                # and forms do not nest. Steps without input confirm on their page.
                button["page"] = True
            rows.append(
                {
                    "shipment": shipment,
                    "badge": shipment_badge(shipment),
                    "lines": ", ".join(
                        f"{line.quantity} × {line.order_line.sku}" for line in shipment.lines.all()
                    ),
                    "amount": format_money(shipment.amount, order.currency)
                    if shipment.status in ("paid", "completed")
                    else "",
                    "buttons": available,
                    # Plain text for whoever cannot open shipments (Customer service).
                    "url": change_url(self.admin_site, request, Shipment, shipment.pk),
                }
            )
        return {
            "shipment_rows": rows,
            "show_shipments": bool(rows) or order.status >= OrderStatus.CONFIRMED,
        }

    def payment_context(self, request, order: Order) -> dict:
        """The payment, its ledger and the payment steps this user may take now."""
        payment = Payment.objects.filter(order=order).first()
        if payment is None:
            return {}
        payment.order = order
        payment_admin = self.admin_site.get_model_admin(Payment)
        back_to = reverse(
            "admin:orders_order_change", args=[quote(order.pk)], current_app=self.admin_site.name
        )
        available, _blocked = payment_admin.step_buttons(request, payment, back_to=back_to)
        return {
            "payment": payment,
            "payment_amounts": amount_texts(payment),
            "payment_step_buttons": available,
            "payment_url": change_url(self.admin_site, request, Payment, payment.pk),
            "ledger": ledger_rows(payment),
        }

    def save_model(self, request, obj, form, change):
        # Nothing is written here: `save_related` hands the details and the lines
        # to one service call, which checks the page's version under the lock.
        pass

    def save_related(self, request, form, formsets, change):
        order = form.instance
        loaded_version = form.cleaned_data.get("loaded_version", "")
        lines = next((fs for fs in formsets if isinstance(fs, OrderLineFormSet)), None)
        # The page offered the lines as a form only if they may change (`get_inlines`).
        if lines is None and posts_line_values(request.POST):
            # Values typed into lines that are read-only by now: say so, never
            # drop them in silence.
            raise DomainError(
                stale_page_refusal(order, loaded_version)
                or line_edit_refusal(order)
                or _("You may not change the lines of %(order)s.") % {"order": order}
            )
        details = {name: form.cleaned_data[name] for name in form.changed_data}
        details.pop("loaded_version", None)
        edits = lines.edits() if lines is not None else None
        edit_order(
            order_id=order.pk,
            loaded_version=loaded_version,
            details=details,
            lines=edits or LineEdits(),
            by=request.user,
        )
        request.centra_order_changed = bool(details or edits)

    def construct_change_message(self, request, form, formsets, add=False):
        # The formsets never save (the service does), so Django's log entry names
        # the details only; the order's timeline has the lines' event.
        return super().construct_change_message(request, form, [], add)

    def response_change(self, request, obj):
        if not getattr(request, "centra_order_changed", True):
            self.message_user(
                request, _("Nothing was changed in %(order)s.") % {"order": obj}, messages.INFO
            )
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def step_page_context(self, request, step, objects):
        """What a deleting step removes, in staff's words: per order its lines, and
        how many rows of each kind go with it (never the rows' ids or internals)."""
        if not step.deletes or not objects:
            return {}
        pks = [obj.pk for obj in objects]
        names = deleted_names()
        _deletable, model_count, _perms, _protected = self.get_deleted_objects(
            Order.objects.filter(pk__in=pks), request
        )
        orders = Order.objects.filter(pk__in=pks).prefetch_related("lines").order_by("number")
        return {
            "model_count": dict(model_count).items(),
            "deleted_orders": [
                {"order": order, "lines": [str(line) for line in order.lines.all()]}
                for order in orders
            ],
            "deleted_summary": [
                f"{count} {names.get(str(name), name)}"
                for name, count in dict(model_count).items()
                if count
            ],
        }


def deleted_names() -> dict[str, str]:
    """How the rows an order takes with it are named on the delete page, by their
    model's plural name (in the active language, as the deletion counts name them)."""
    return {
        str(OrderEvent._meta.verbose_name_plural): _("timeline events and comments"),
        str(PaymentTransaction._meta.verbose_name_plural): _("payment ledger rows"),
        str(OutboxMessage._meta.verbose_name_plural): _("integration messages"),
    }


def ledger_rows(payment: Payment) -> list[PaymentTransaction]:
    """The payment's ledger, oldest first, each amount written with its currency."""
    rows = list(PaymentTransaction.objects.filter(payment=payment).order_by("created_at"))
    settled = {row.settles_id: row for row in rows if row.settles_id}
    for row in rows:
        row.money = format_money(row.amount, payment.currency)
        row.request_note = _request_note(row, settled.get(row.pk))
    return rows


def _request_note(row: PaymentTransaction, settlement: PaymentTransaction | None) -> str:
    """Beside a request: what it asked for, and whether the provider has settled it."""
    if not row.pending:
        return _("settles a request") if row.settles_id else ""
    state = "open" if settlement is None else "settled" if settlement.succeeded else "failed"
    notes = REQUEST_NOTES.get(row.kind)
    if notes is not None:
        return str(notes[state])
    # A kind no provider asks to settle later: named as stored.
    return str(OTHER_REQUEST_NOTES[state]) % {"kind": row.kind}


# A pending ledger row's note, per kind and by whether it is settled yet.
REQUEST_NOTES = {
    PaymentTransaction.Kind.CAPTURE: {
        "open": gettext_lazy("capture requested, not settled yet"),
        "settled": gettext_lazy("capture requested, settled"),
        "failed": gettext_lazy("capture requested, failed"),
    },
    PaymentTransaction.Kind.REFUND: {
        "open": gettext_lazy("refund requested, not settled yet"),
        "settled": gettext_lazy("refund requested, settled"),
        "failed": gettext_lazy("refund requested, failed"),
    },
}
OTHER_REQUEST_NOTES = {
    "open": gettext_lazy("%(kind)s requested, not settled yet"),
    "settled": gettext_lazy("%(kind)s requested, settled"),
    "failed": gettext_lazy("%(kind)s requested, failed"),
}
