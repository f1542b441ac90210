"""The one place amounts are computed: line totals, discounts, tax, shipping, grand total,
and what each shipment charges.

Money is Decimal, rounded half-up to the currency's decimal places. Partial
amounts (a shipment's share of a line) are differences of cumulative amounts,
so the parts of a line always add up to the line's total to the cent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Protocol

from django.utils.formats import number_format
from django.utils.translation import gettext as _

ZERO = Decimal("0")

# Every money column: 12 digits before the point, cents after it.
MONEY_FIELD = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0.00")}
# The largest amount a money column holds; a total above it could not be stored.
MAX_AMOUNT = Decimal("999999999999.99")

# ISO 4217 minor units where they are not 2.
CURRENCY_DECIMALS = {"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "BHD": 3, "KWD": 3, "JOD": 3}


class PricedLine(Protocol):
    quantity: int
    quantity_cancelled: int
    unit_price: Decimal
    tax_percent: Decimal
    discount: Decimal


def currency_places(currency: str) -> int:
    return CURRENCY_DECIMALS.get(currency.upper(), 2)


@cache
def _exponent(currency: str) -> Decimal:
    # Looked up once per currency: an export quantizes a dozen amounts per row.
    return Decimal(1).scaleb(-currency_places(currency))


def quantize(amount: Decimal, currency: str) -> Decimal:
    # An export quantizes a dozen amounts per row: a Decimal is not passed through
    # Decimal() again (which would return it as it is), and the rounding goes by
    # position (as a keyword it costs the call half as much again).
    if type(amount) is not Decimal:
        amount = Decimal(amount)
    return amount.quantize(_exponent(currency), ROUND_HALF_UP)


def exact_amount(value: object, currency: str) -> Decimal:
    """`value` as an amount of `currency`, refused (never rounded) when it is not one.

    Staff typing 1.005 EUR mean something no card can be charged; saying so is
    better than moving a cent they did not ask for. Raises `ValueError` with the
    sentence to show.
    """
    not_money = _("“%(typed)s” is not an amount of money.")
    try:
        amount = Decimal(str(value).strip())
    except (ArithmeticError, ValueError):
        raise ValueError(not_money % {"typed": value}) from None
    if not amount.is_finite():
        raise ValueError(not_money % {"typed": value})
    if abs(amount) > MAX_AMOUNT:
        raise ValueError(
            _("%(amount)s is above the largest amount, %(largest)s.")
            % {
                "amount": f"{value} {currency}",
                "largest": number_format(MAX_AMOUNT, force_grouping=True),
            }
        )
    if amount != quantize(amount, currency):
        places = currency_places(currency)
        raise ValueError(
            _("%(amount)s has more than %(places)s decimal places.")
            % {"amount": f"{value} {currency}", "places": places}
        )
    return quantize(amount, currency)


def format_money(amount: Decimal, currency: str) -> str:
    """An amount as staff read it, in the active language: "1,234.50 EUR", "1 234,50 EUR"."""
    places = currency_places(currency)
    grouped = number_format(quantize(amount, currency), places, force_grouping=True)
    return f"{grouped} {currency}"


# How a shop shows a price (Centra's Checkout API): no-break spaces between the
# thousands and before the currency, "3 600.00 SEK".
NBSP = "\u00a0"


def format_price(amount: Decimal, currency: str) -> str:
    """An amount as a storefront shows it: "3\u00a0600.00\u00a0SEK"."""
    return f"{quantize(amount, currency):,}".replace(",", NBSP) + NBSP + currency


def line_amount(line: PricedLine, quantity: int, currency: str) -> Decimal:
    """What `quantity` units of the line cost, tax included, after its discount.

    The line's discount applies to its ordered quantity, so each unit carries an
    equal share of it.
    """
    if line.quantity <= 0 or quantity <= 0:
        return quantize(ZERO, currency)
    gross = line.unit_price * quantity
    discount = line.discount * quantity / line.quantity
    return quantize(gross - discount, currency)


def line_amount_between(line: PricedLine, start: int, end: int, currency: str) -> Decimal:
    """The amount for units start+1..end of a line; slices add up exactly."""
    return line_amount(line, end, currency) - line_amount(line, start, currency)


def spread(amount: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """`amount` shared out in proportion to `weights`, each share in whole cents and
    the shares adding up to `amount` exactly (the cents left over go to the largest
    remainders, the first on a tie). All zero when every weight is zero."""
    unit = _exponent(currency)
    cents = int(quantize(amount, currency) / unit)
    total = sum(weights, ZERO)
    if not total or not cents:
        return [quantize(ZERO, currency) for _ in weights]
    exact = [Decimal(cents) * weight / total for weight in weights]
    shares = [int(share) for share in exact]  # toward zero: never more than the exact share
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in by_remainder[: cents - sum(shares)]:
        shares[i] += 1
    return [quantize(share * unit, currency) for share in shares]


def voucher_discounts(
    grosses: Sequence[Decimal],
    *,
    percent: Decimal | None = None,
    amount: Decimal | None = None,
    currency: str,
) -> list[Decimal]:
    """Each line's discount under a voucher, given each line's price × quantity:
    `percent` off every line, or a fixed `amount` (at most the lines' sum) spread
    over the lines by their price, to the cent."""
    if percent is not None:
        return [quantize(gross * percent / 100, currency) for gross in grosses]
    cap = min(amount or ZERO, sum(grosses, ZERO))
    return spread(cap, grosses, currency)


def tax_included(amount: Decimal, tax_percent: Decimal, currency: str) -> Decimal:
    if not tax_percent:
        return quantize(ZERO, currency)
    return quantize(amount * tax_percent / (100 + tax_percent), currency)


@dataclass(frozen=True)
class Totals:
    currency: str
    lines: tuple[Decimal, ...]
    subtotal: Decimal  # lines before discounts
    discount: Decimal
    tax: Decimal
    shipping: Decimal
    grand_total: Decimal


def compute_totals(lines: Iterable[PricedLine], *, shipping: Decimal, currency: str) -> Totals:
    """Totals of an order from its lines; cancelled units are not charged."""
    line_totals, subtotal, discount, tax = [], ZERO, ZERO, ZERO
    # The exponent looked up once: an export computes the totals of every order.
    exponent = _exponent(currency)
    for line in lines:
        active = line.quantity - line.quantity_cancelled
        total = line_amount(line, active, currency)
        gross = (line.unit_price * active).quantize(exponent, ROUND_HALF_UP)
        line_totals.append(total)
        subtotal += gross
        discount += gross - total
        tax += tax_included(total, line.tax_percent, currency)
    shipping = quantize(shipping, currency)
    return Totals(
        currency=currency,
        lines=tuple(line_totals),
        subtotal=subtotal,
        discount=discount,
        tax=tax,
        shipping=shipping,
        grand_total=sum(line_totals, ZERO) + shipping,
    )


def slice_charge(
    line: PricedLine, *, units_charged: int, amount_charged: Decimal, quantity: int, currency: str
) -> Decimal:
    """What the next `quantity` units of a line charge, after `units_charged` units of it
    were charged `amount_charged` by earlier shipments.

    Units are charged as consecutive slices, so the shipments of a line add up to
    the line's total to the cent. `amount_charged` is normally exactly the
    cumulative amount of `units_charged`; when a shipment of the line was marked
    unpaid out of turn the others are a cent off theirs, and this slice takes the
    difference so the line's total stays exact.
    """
    drift = line_amount(line, units_charged, currency) - amount_charged
    slice_ = line_amount_between(line, units_charged, units_charged + quantity, currency)
    # Quantized: `amount_charged` may come from a SQL SUM, which SQLite computes
    # in floating point (187.90000000000000).
    return quantize(slice_ + drift, currency)


def shipping_charge(shipping_price: Decimal, *, already_charged: Decimal, currency: str) -> Decimal:
    """The order's shipping cost still to charge: all of it on the first shipment paid."""
    return quantize(quantize(shipping_price, currency) - already_charged, currency)


def returned_slice(
    *,
    charged: Decimal,
    shipped: int,
    returned_before: int,
    quantity: int,
    currency: str,
    amount_returned_before: Decimal | None = None,
) -> Decimal:
    """What returning units returned_before+1 .. returned_before+quantity of a shipment
    line gives back, when its `shipped` units were charged `charged`.

    The difference of cumulative shares, like `slice_charge`, so the returns of a
    line in any split add up to `charged` exactly once every unit is back. With
    `amount_returned_before` (what the earlier returns of the line gave back), a
    cent those are off their cumulative share (a return deleted out of turn) is
    taken up by this slice, so the total stays exact.
    """
    if shipped <= 0 or quantity <= 0:
        return quantize(ZERO, currency)

    def share(units: int) -> Decimal:
        return quantize(charged * units / shipped, currency)

    slice_ = share(returned_before + quantity) - share(returned_before)
    if amount_returned_before is not None:
        slice_ += share(returned_before) - amount_returned_before
    # Quantized: `amount_returned_before` may come from a SQL SUM (SQLite: floats).
    return quantize(slice_, currency)


# What staff and integrations type: read exactly, or refused with one sentence.
# Only these characters: a JavaScript-free form, a CSV paste or an API query
# must never slip a "١" (Arabic-Indic one), an exponent or "NaN" past `Decimal`.
_TYPED_AMOUNT = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_TYPED_QUANTITY = re.compile(r"[0-9]+")
_ASCII_SPACE = " \t\r\n"
# A typed text is echoed in its sentence; a long one only in part.
_ECHO_LENGTH = 30
# The most units any line or return may hold: a larger figure is a typing slip.
MAX_QUANTITY = 100_000


def _echo(typed: object) -> str:
    text = str(typed)
    return text if len(text) <= _ECHO_LENGTH else f"{text[:_ECHO_LENGTH]}…"


def _typed_text(typed: object) -> str | None:
    """The characters typed, without the spaces around them; None for a float or
    bool (a float is never exact; True is not 1 unit) or anything else."""
    if isinstance(typed, bool | float):
        return None
    if isinstance(typed, int | Decimal):
        return str(typed)
    if isinstance(typed, str):
        return typed.strip(_ASCII_SPACE)
    return None


def read_amount(typed: object, currency: str | None = None) -> Decimal:
    """What was typed, as an exact amount of `currency`, or `ValueError` with the
    one sentence to show, echoing what was typed.

    ASCII digits with at most one point and at most the currency's decimal
    places (without a currency: the two a money column keeps). No sign, no
    exponent, no separators, no NaN or Infinity, nothing above `MAX_AMOUNT`.
    Never rounded: 1.005 EUR is a refusal, not 1.01. Forms, the back office
    and the Order API read every amount through here.
    """
    text = _typed_text(typed)
    shown = _echo(typed)
    if text is None or not _TYPED_AMOUNT.fullmatch(text):
        raise ValueError(
            _("“%(typed)s” is not an amount: type digits (0–9) with at most one point, like 12.50.")
            % {"typed": shown}
        )
    whole, _point, fraction = text.partition(".")
    places = currency_places(currency) if currency else MONEY_FIELD["decimal_places"]
    if len(fraction) > places:
        raise ValueError(_too_many_places(shown, places, currency))
    if len(whole.lstrip("0")) > 12 or Decimal(text) > MAX_AMOUNT:
        raise ValueError(
            _("“%(typed)s” is above the largest amount, %(largest)s.")
            % {"typed": shown, "largest": number_format(MAX_AMOUNT, force_grouping=True)}
        )
    return quantize(Decimal(text), currency) if currency else Decimal(text)


def _too_many_places(shown: str, places: int, currency: str | None) -> str:
    """Why an amount with too many decimal places is refused: one whole sentence each
    for a currency without decimals or with, named or not."""
    words = {"typed": shown, "places": places, "currency": (currency or "").upper()}
    if not places:
        if currency:
            sentence = _(
                "“%(typed)s” has decimal places, but amounts in %(currency)s are whole; "
                "amounts are never rounded."
            )
        else:
            sentence = _(
                "“%(typed)s” has decimal places, but amounts are whole; amounts are never rounded."
            )
    elif currency:
        sentence = _(
            "“%(typed)s” has more than %(places)s decimal places in %(currency)s; "
            "amounts are never rounded."
        )
    else:
        sentence = _(
            "“%(typed)s” has more than %(places)s decimal places; amounts are never rounded."
        )
    return sentence % words


def read_quantity(typed: object, maximum: int = MAX_QUANTITY) -> int:
    """What was typed, as a whole number of units from 0 to `maximum`, or
    `ValueError` with the one sentence to show. ASCII digits only."""
    text = _typed_text(typed)
    shown = _echo(typed)
    if text is None or not _TYPED_QUANTITY.fullmatch(text):
        raise ValueError(
            _("“%(typed)s” is not a quantity: type a whole number with digits (0–9).")
            % {"typed": shown}
        )
    if len(text.lstrip("0")) > len(str(maximum)) or int(text) > maximum:
        raise ValueError(
            _("“%(typed)s” is more than %(maximum)s.")
            % {"typed": shown, "maximum": number_format(maximum, force_grouping=True)}
        )
    return int(text)
