"""The order's steps, in the order the order page shows their buttons and the
list its actions: forward (confirm … capture), then shrinking and cancelling,
then the steps of a finished or cancelled order."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice import services as backoffice
from backoffice.services.payment_links import payment_link_refusal, renew_payment_link
from backoffice.steps.anonymize import ANONYMIZE_CUSTOMER
from backoffice.steps.forms import CancelForm, HoldForm, PurgeForm
from backoffice.steps.product_forms import (
    ProductQuantitiesForm,
    ReasonForm,
    RestoreProductsForm,
    quantities_params,
)
from core.money import format_money
from core.steps import Step, Words
from orders import bulk, services
from orders.models import OrderStatus
from shipments import services as shipping
from shipments.models import Shipment


def cancelled_detail(order, done) -> str:
    """What cancelling products did, for its message: "1 × SKU-A cancelled, new
    total 29.00 EUR, 10.00 EUR refunded"."""
    units = getattr(done, "cancelled_units", "")
    if not units:
        return ""
    figures = {"units": units, "total": format_money(done.grand_total, done.currency)}
    refunded = getattr(done, "refunded_now", None)
    if refunded:
        figures["refunded"] = format_money(refunded, done.currency)
        return _("%(units)s cancelled, new total %(total)s, %(refunded)s refunded") % figures
    return _("%(units)s cancelled, new total %(total)s") % figures


ORDER_STEPS = [
    Step("confirm", services.confirm_order, bulk=bulk.confirm_orders),
    Step("unconfirm", services.unconfirm_order),
    Step("hold", services.hold_order, form=HoldForm, explain_when_blocked=False),
    Step("resume", services.resume_order, explain_when_blocked=False),
    Step("expedite", shipping.expedite_order, transition="start_processing"),
    # Over the order's shipments: the shipment's transition has the words; the
    # shipments section shows each shipment's own steps and blocks.
    Step(
        "good_to_go",
        backoffice.mark_order_good_to_go,
        transition=Shipment.good_to_go,
        refusal_of=backoffice.good_to_go_refusal,
        explain_when_blocked=False,
    ),
    Step(
        "capture",
        backoffice.capture_order,
        transition=Shipment.capture,
        refusal_of=backoffice.capture_refusal,
        explain_when_blocked=False,
    ),
    Step(
        "cancel_products",
        backoffice.cancel_products,
        form=ProductQuantitiesForm,
        params_for=quantities_params,
        refusal_of=backoffice.cancel_products_refusal,
        explain_when_blocked=False,
        done_detail=cancelled_detail,
    ),
    Step(
        "restore_products",
        backoffice.restore_products,
        form=RestoreProductsForm,
        params_for=quantities_params,
        refusal_of=backoffice.restore_products_refusal,
        explain_when_blocked=False,
    ),
    Step(
        "cancel_unshipped_products",
        backoffice.cancel_unshipped_products,
        transition="cancel_products",
        words=Words(label=gettext_lazy("Cancel unshipped products")),
        form=ReasonForm,
        refusal_of=backoffice.cancel_products_refusal,
        explain_when_blocked=False,
    ),
    Step("cancel", backoffice.cancel_order, form=CancelForm, danger=True),
    # "Restore" alone would read like "Restore products" in the list's actions.
    Step(
        "restore",
        backoffice.restore_order,
        form=ReasonForm,
        words=Words(label=gettext_lazy("Restore order")),
    ),
    Step("archive", services.archive_order),
    Step("reactivate", services.reactivate_order),
    Step(
        "delete_permanently",
        services.delete_order_permanently,
        form=PurgeForm,
        danger=True,
        deletes=True,
        list_only_when={"status": str(OrderStatus.CANCELLED)},
    ),
    Step(
        "discard",
        services.discard_selection,
        form=PurgeForm,
        danger=True,
        deletes=True,
        list_only_when={"status": str(OrderStatus.INCOMPLETE)},
    ),
    # A payment link's order whose customer's payment was declined or whose
    # link expired: the admin adds the site's address (`step_params`).
    Step(
        "new_payment_link",
        renew_payment_link,
        words=Words(
            label=gettext_lazy("New payment link"),
            past=gettext_lazy("given a new payment link"),
            permission="orders.create_selection",
        ),
        refusal_of=payment_link_refusal,
        confirm=True,
        in_bulk=False,
        explain_when_blocked=False,
    ),
    ANONYMIZE_CUSTOMER,
]
