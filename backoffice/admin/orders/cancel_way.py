"""The ways forward the order page names at the top: why it offers no "Cancel
products…" when every unit left is in an open shipment (delete that shipment
first: its step's link, for whoever may take it), and the steps this user may
take on the order's shipments and returns, whose buttons are far down the page."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from backoffice.steps import step_of
from orders.models import Order
from shipments.models import OPEN_STATUSES


def cancel_products_way(order: Order, user, shipment_rows: list[dict], buttons: list[dict]):
    """A sentence, or None when "Cancel products…" is offered or beside the point."""
    if any(button["name"] == "cancel_products" for button in buttons):
        return None
    if not user.has_perm(step_of(Order, "cancel_products").permission(Order)):
        return None
    if any(line.quantity_unshipped for line in order.lines_with_shipped()):
        return None  # the step's own refusal (held, state) says why elsewhere
    open_rows = [row for row in shipment_rows if row["shipment"].status in OPEN_STATUSES]
    if not open_rows:
        return None
    deletable = [
        (button["url"], row["shipment"].ref)
        for row in open_rows
        for button in row["buttons"]
        if button["name"] == "delete_shipment"
    ]
    refs = ", ".join(row["shipment"].ref for row in open_rows)
    if deletable:
        links = format_html_join(
            " · ",
            '<a href="{}" data-step="instruction-delete_shipment">{}</a>',
            ((url, _("Delete shipment %(ref)s…") % {"ref": ref}) for url, ref in deletable),
        )
        return format_html(
            _(
                "No product can be cancelled: every unit left is in shipment {refs}, "
                "not paid yet. Delete the shipment first, then cancel products: {links}."
            ),
            refs=refs,
            links=links,
        )
    return format_html(
        _(
            "No product can be cancelled: every unit left is in shipment {refs}, not paid yet. "
            "The warehouse can delete the shipment first; then cancel products here."
        ),
        refs=refs,
    )


# The steps of the order's parts worth a shortcut at the top of the page.
SHORTCUT_STEPS = {"create_return", "complete", "refund"}


def step_shortcuts(shipment_rows: list[dict], return_rows: list[dict]) -> list[dict]:
    """Links to the steps this user may take now on the order's shipments and
    returns ("Create return 1042-1…"), for the top of the page."""
    shortcuts = []
    for rows, ref_of in ((shipment_rows, lambda row: row["shipment"].ref), (return_rows, None)):
        for row in rows:
            ref = ref_of(row) if ref_of else row["return"].number
            for button in row["buttons"]:
                if button["name"] in SHORTCUT_STEPS:
                    shortcuts.append(
                        {
                            "url": button["url"],
                            # Translators: a step's label and a shipment's or a
                            # return's number: "Create return 1042-1…".
                            "label": _("%(step)s %(ref)s…") % {"step": button["label"], "ref": ref},
                            "name": button["name"],
                        }
                    )
    return shortcuts
