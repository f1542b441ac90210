"""Centra's "Create selection": staff make an order for a customer (on the phone,
by e-mail) from the back office.

Two pages of `OrderAdmin`, both for whoever has `orders.create_selection`
(403 for anyone else):

- "Create selection" (`create-selection/`): the market, the shipping country and,
  from an order's page, that order's customer; it starts an Incomplete order of
  origin back office and opens its selection page.
- The selection page (`<id>/selection/`): the customer and addresses, the lines,
  the catalogue's items with their price and stock, shipping, notes, totals, and
  "Check out" with a payment link, an invoice, or nothing to pay.

Thin by rule: each POST is one form read and one service call; a refusal
(`DomainError`) is shown as one sentence and changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from backoffice.admin.orders import selection_forms as forms
from backoffice.admin.orders.selection_page import selection_context
from backoffice.services import selections, staff_orders
from backoffice.services.staff_selection import staff_selection_refusal
from catalog.selectors import market_of
from core.errors import DomainError
from orders.models import Order

PERMISSION = "orders.create_selection"


def may_create_selections(request) -> bool:
    return request.user.has_perm(PERMISSION)


def first_error(form) -> str:
    """A form's first complaint as one sentence, named by its field."""
    for name, errors in form.errors.items():
        if name == "__all__" or name not in form.fields:
            return errors[0]
        label = form.fields[name].label or name.replace("_", " ")
        return f"{label}: {errors[0]}"
    return ""


class SelectionPagesMixin:
    """The "Create selection" page and the selection page of `OrderAdmin`."""

    def selection_urls(self):
        """The two pages (an `extra_urls` entry)."""
        view = self.admin_site.admin_view
        return [
            path(
                "create-selection/",
                view(self.create_selection_view),
                name="orders_order_create_selection",
            ),
            path(
                "<path:object_id>/selection/",
                view(self.selection_view),
                name="orders_order_selection",
            ),
        ]

    def _url(self, name: str, *args) -> str:
        return reverse(
            f"admin:orders_order_{name}",
            args=[quote(arg) for arg in args],
            current_app=self.admin_site.name,
        )

    def selection_links(self, request, order: Order) -> list[dict]:
        """The order page's links to these pages, for whoever may use them."""
        if not may_create_selections(request):
            return []
        links = [
            {
                "name": "create_selection_for_customer",
                "label": _("Create selection for this customer"),
                "url": self._url("create_selection") + "?" + urlencode({"from_order": order.pk}),
            }
        ]
        if staff_selection_refusal(order) is None:
            links.insert(
                0,
                {
                    "name": "open_selection",
                    "label": _("Open selection"),
                    "url": self._url("selection", order.pk),
                },
            )
        return links

    def create_selection_url(self, request) -> str:
        """The orders list's "Create selection" button, or "" for whoever may not."""
        return self._url("create_selection") if may_create_selections(request) else ""

    # The "Create selection" page ---------------------------------------------

    def create_selection_view(self, request):
        if not may_create_selections(request):
            raise PermissionDenied
        source = self._source_order(request)
        if request.method == "POST":
            form = forms.CreateSelectionForm(request.POST)
            if form.is_valid():
                response = self._start_selection(request, form)
                if response is not None:
                    return response
            else:
                self.message_user(request, first_error(form), messages.ERROR)
        else:
            initial = {"from_order": source.pk if source else None}
            if source is not None:
                initial |= {"market": source.market, "country": source.shipping_country}
            form = forms.CreateSelectionForm(initial=initial)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Create selection"),
            "subtitle": None,
            "opts": self.opts,
            "form": form,
            "source": source,
            "source_url": self._url("change", source.pk) if source else "",
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/orders/order/create_selection.html", context)

    def _source_order(self, request) -> Order | None:
        """The order whose customer the new selection takes, if one is asked for."""
        raw = request.POST.get("from_order") or request.GET.get("from_order")
        if not raw:
            return None
        source = Order.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
        if source is None:
            self.message_user(
                request, _("There is no order %(number)s.") % {"number": raw}, messages.ERROR
            )
        return source

    def _start_selection(self, request, form):
        data = form.cleaned_data
        try:
            order = staff_orders.start_staff_selection(
                market=data["market"].code,
                country=data["country"],
                from_order_id=data["from_order"],
                by=request.user,
            )
        except DomainError as error:
            self.message_user(request, str(error), messages.ERROR)
            return None
        self.message_user(
            request, _("Selection %(order)s created.") % {"order": order}, messages.SUCCESS
        )
        return HttpResponseRedirect(self._url("selection", order.pk))

    # The selection page --------------------------------------------------------

    def selection_view(self, request, object_id):
        if not may_create_selections(request):
            raise PermissionDenied
        order = self.get_object(request, unquote(object_id))
        if order is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        sentence = staff_selection_refusal(order)
        if sentence:
            self.message_user(request, sentence, messages.ERROR)
            return HttpResponseRedirect(self._url("change", order.pk))
        bound = {}
        if request.method == "POST":
            handler = SELECTION_STEPS.get(request.POST.get("do", ""))
            if handler is None:
                self.message_user(request, _("That is not a step of a selection."), messages.ERROR)
                return self._back_to_selection(request, order)
            outcome = handler(self, request, order)
            if not isinstance(outcome, dict):
                return outcome
            bound = outcome
            order.refresh_from_db()
        context = {
            **self.admin_site.each_context(request),
            **selection_context(request, order, bound=bound),
            "title": _("Selection %(number)s") % {"number": order.number},
            "subtitle": None,
            "opts": self.opts,
            "original": order,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/orders/order/selection.html", context)

    def _back_to_selection(self, request, order: Order, anchor: str = ""):
        query = request.POST.get("q", "")
        url = self._url("selection", order.pk) + (f"?{urlencode({'q': query})}" if query else "")
        return HttpResponseRedirect(url + (f"#{anchor}" if anchor else ""))

    def _run(self, request, order: Order, form, call, *, done: str, anchor: str, name: str):
        """Read `form`, call the service; a complaint or a refusal is one sentence
        and the page again with what was typed, a success a message and the page anew."""
        if not form.is_valid():
            self.message_user(request, first_error(form), messages.ERROR)
            return {name: form}
        try:
            call(form.cleaned_data)
        except DomainError as error:
            self.message_user(request, str(error), messages.ERROR)
            return {name: form}
        self.message_user(request, done, messages.SUCCESS)
        return self._back_to_selection(request, order, anchor)

    def _customer(self, request, order: Order):
        form = forms.CustomerForm(request.POST)

        def call(data):
            selections.set_customer(
                order_id=order.pk,
                email=data["email"],
                billing=form.address("billing"),
                shipping=form.address("shipping"),
                by=request.user,
            )

        return self._run(
            request,
            order,
            form,
            call,
            done=_("Customer saved."),
            anchor="customer",
            name="customer",
        )

    def _quantity(self, request, order: Order):
        form = forms.LineQuantityForm(request.POST)

        def call(data):
            selections.set_line_quantity(
                order_id=order.pk, line_id=data["line"], quantity=data["quantity"], by=request.user
            )

        return self._run(
            request, order, form, call, done=_("Quantity changed."), anchor="lines", name="lines"
        )

    def _remove(self, request, order: Order):
        form = forms.LineForm(request.POST)

        def call(data):
            selections.remove_line(order_id=order.pk, line_id=data["line"], by=request.user)

        return self._run(
            request, order, form, call, done=_("Line removed."), anchor="lines", name="lines"
        )

    def _add(self, request, order: Order):
        form = forms.AddItemForm(request.POST)

        def call(data):
            selections.add_item(
                order_id=order.pk, sku=data["sku"], quantity=data["quantity"] or 1, by=request.user
            )

        sku = request.POST.get("sku", "")
        return self._run(
            request,
            order,
            form,
            call,
            done=_("%(sku)s added.") % {"sku": sku},
            anchor="lines",
            name="catalogue",
        )

    def _shipping_method(self, request, order: Order):
        form = forms.ShippingMethodForm(request.POST, methods=_methods(order))

        def call(data):
            selections.set_shipping_method(
                order_id=order.pk, name=data["shipping_method"], by=request.user
            )

        return self._run(
            request,
            order,
            form,
            call,
            done=_("Shipping method changed."),
            anchor="shipping",
            name="shipping_method",
        )

    def _shipping_price(self, request, order: Order):
        form = forms.ShippingPriceForm(request.POST, currency=order.currency)

        def call(data):
            staff_orders.set_shipping_price(
                order_id=order.pk, price=data["price"], reason=data["reason"], by=request.user
            )

        return self._run(
            request,
            order,
            form,
            call,
            done=_("Shipping price changed."),
            anchor="shipping",
            name="shipping_price",
        )

    def _notes(self, request, order: Order):
        form = forms.NotesForm(request.POST)

        def call(data):
            staff_orders.set_notes(order_id=order.pk, notes=data["notes"], by=request.user)

        return self._run(
            request, order, form, call, done=_("Notes saved."), anchor="notes", name="notes"
        )

    def _check_out(self, request, order: Order):
        form = forms.CheckOutForm(request.POST, choices=staff_orders.PAYMENT_CHOICES)
        if not form.is_valid():
            self.message_user(request, first_error(form), messages.ERROR)
            return {"checkout": form}
        try:
            done = staff_orders.check_out_selection(
                order_id=order.pk,
                payment=form.cleaned_data["payment"],
                base_url=request.build_absolute_uri("/"),
                by=request.user,
            )
        except DomainError as error:
            self.message_user(request, str(error), messages.ERROR)
            return {"checkout": form}
        self.message_user(request, checked_out_message(done), messages.SUCCESS)
        return HttpResponseRedirect(self._url("change", done.order.pk))


def checked_out_message(done) -> str:
    """What staff read after checking out: the order, and the link to send."""
    order = done.order
    if done.payment_link:
        return format_html(
            _(
                "{order} placed: it waits, on hold, until the customer pays at this link: "
                '<a href="{link}" data-payment-link>{link}</a>'
            ),
            order=order,
            link=done.payment_link,
        )
    return _("%(order)s placed: %(status)s.") % {
        "order": order,
        "status": order.get_status_display(),
    }


def _methods(order: Order):
    return list(market_of(order.market).shipping_methods.all())


# The selection page's steps, by the POST's `do`.
SELECTION_STEPS = {
    "customer": SelectionPagesMixin._customer,
    "quantity": SelectionPagesMixin._quantity,
    "remove": SelectionPagesMixin._remove,
    "add": SelectionPagesMixin._add,
    "shipping_method": SelectionPagesMixin._shipping_method,
    "shipping_price": SelectionPagesMixin._shipping_price,
    "notes": SelectionPagesMixin._notes,
    "checkout": SelectionPagesMixin._check_out,
}
