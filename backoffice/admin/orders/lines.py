"""The order page's line table: who may edit the lines, the inline that edits them,
and how the typed rows are read as one `LineEdits` for the service."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from backoffice.services import LineEdits, line_edit_refusal
from backoffice.services.line_edits import LINE_FIELDS
from core.money import format_money, line_amount
from core.typed_fields import AmountField, QuantityField
from orders.models import Order, OrderLine


def lines_editable_by(request, order: Order) -> bool:
    """Whether this user may edit the order's lines now: whoever may change the
    order, while `line_edit_refusal` has nothing to say."""
    return request.user.has_perm("orders.change_order") and line_edit_refusal(order) is None


def lines_form_shown(context: dict) -> bool:
    """Whether the page shows the lines as a form (the page decided they may change)."""
    formsets = context.get("inline_admin_formsets", ())
    return any(isinstance(shown.formset, OrderLineFormSet) for shown in formsets)


class OrderLineFormSet(forms.BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        # A tabular inline's inputs sit under column headers, not beside labels:
        # name each for screen readers ("Quantity of line 2").
        for field in form.fields.values():
            label = str(field.label or "")
            if label and not isinstance(field.widget, forms.HiddenInput):
                name = f"{label[:1].upper()}{label[1:]}"
                if index is None:
                    words = _("%(field)s of the new line") % {"field": name}
                else:
                    words = _("%(field)s of line %(number)s") % {"field": name, "number": index + 1}
                field.widget.attrs["aria-label"] = words

    def clean(self):
        super().clean()
        sentence = self.has_changed() and line_edit_refusal(self.instance)
        if sentence:
            raise forms.ValidationError(sentence)

    def edits(self) -> LineEdits:
        """What the valid formset asks to change, for `edit_order` (it never saves itself)."""
        deleted = set(self.deleted_forms)
        added, changed, removed = [], {}, []
        for form in self.forms:
            pk = form.instance.pk
            if form in deleted:
                if pk:
                    removed.append(pk)
            elif pk is None and form.has_changed():
                added.append({name: form.cleaned_data[name] for name in LINE_FIELDS})
            elif form.has_changed():
                changed[pk] = {
                    name: form.cleaned_data[name]
                    for name in form.changed_data
                    if name in LINE_FIELDS
                }
        return LineEdits(added=tuple(added), changed=changed, removed=tuple(removed))


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    formset = OrderLineFormSet
    extra = 0
    fields = [
        "sku",
        "product_name",
        "variant",
        "quantity",
        "quantity_cancelled",
        "unit_price",
        "tax_percent",
        "discount",
        "line_total",
    ]
    # Cancelled units move only by cancelling products, never by typing.
    readonly_fields = ["quantity_cancelled", "line_total"]
    # Typed amounts and quantities are read like every other (`core.money`).
    typed_fields = {"unit_price": AmountField, "discount": AmountField, "quantity": QuantityField}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field_class = self.typed_fields.get(db_field.name)
        if field_class is None:
            return super().formfield_for_dbfield(db_field, request, **kwargs)
        return field_class(label=db_field.verbose_name, initial=db_field.get_default())

    @admin.display(description=gettext_lazy("line total"))
    def line_total(self, line: OrderLine):
        if line.pk is None:
            return "—"
        currency = line.order.currency
        return format_money(line_amount(line, line.quantity_active, currency), currency)

    def get_queryset(self, request):
        # The line total needs the order's currency: one join, not a query per line.
        return super().get_queryset(request).select_related("order")

    # Lines are part of the order's details: whoever may change the order may
    # change its lines, while its status allows. The order page decides that once
    # and offers this inline only then (`OrderPageMixin.get_inlines`), so where it
    # is shown its rows may change; Django asks these for every form.
    def _may_edit(self, request, obj) -> bool:
        return obj is not None

    def has_add_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._may_edit(request, obj)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("orders.view_order")


def posts_line_values(data) -> bool:
    """Whether a POST carries values typed into order lines (not only the empty
    management form a read-only inline renders)."""
    return any(key.startswith("lines-") and key.rsplit("-", 1)[-1] in LINE_FIELDS for key in data)
