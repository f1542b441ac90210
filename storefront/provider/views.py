"""The test provider, served by the project: its hosted page and its notification endpoint.

The page shows the shop's amount and currency and asks the buyer to approve or
decline. Its answer goes two ways, as a real provider's does: the signed
notification, handed in-process to `settle_from_notification` (the very
function the notification endpoint calls, on the same JSON bytes, so it is
verified the same way; an HTTP call to ourselves would need a second free
worker and our own public address, and would deadlock a single-worker server),
then the buyer is redirected to the shop's return page (failed page on a
decline) with the signed parameters appended, which the shop forwards to
`POST /payment-result`.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backoffice.services.notifications import receive_notification
from core.money import format_money
from payments.hosted import TestProvider
from payments.models import AttemptStatus, PaymentAttempt

logger = logging.getLogger(__name__)

DECISIONS = {"approve": True, "decline": False}


@require_http_methods(["GET", "POST"])
def hosted_page(request, reference: str):
    attempt = PaymentAttempt.objects.filter(reference=reference, provider=TestProvider.name).first()
    if attempt is None:
        return _plain(request, _("This payment does not exist."), status=404)
    if attempt.status != AttemptStatus.OPEN or attempt.expires_at <= timezone.now():
        sentence = _("This payment has expired or is already settled.")
        return _plain(request, sentence, status=410)
    if request.method == "POST" and request.POST.get("decision") in DECISIONS:
        return _decide(attempt, approved=DECISIONS[request.POST["decision"]])
    context = {
        "attempt": attempt,
        "shop": _payee(attempt),
        "amount": format_money(attempt.amount, attempt.currency),
    }
    status = 400 if request.method == "POST" else 200
    response = render(request, "storefront/provider/page.html", context, status=status)
    # The form's answer redirects to the shop's own host: the policy must allow it.
    response._csp_update = {"form-action": _origins(attempt.return_page, attempt.failed_page)}
    return response


def _payee(attempt: PaymentAttempt) -> str:
    """Who asks for the money: the storefront, or the store itself for a payment link."""
    if attempt.by.startswith("storefront:"):
        return attempt.by.removeprefix("storefront:")
    return _("The store")


@require_GET
def link_paid(request):
    """The payment link's last page. It records nothing: the provider's signed
    notification has already paid the order (or not) before the customer lands here."""
    if request.GET.get("declined"):
        sentence = _("The payment was declined. Nothing was charged: use the link again to pay.")
    else:
        sentence = _("Thank you: your payment is received, and your order is on its way.")
    return _plain(request, sentence, status=200)


def _decide(attempt: PaymentAttempt, *, approved: bool) -> HttpResponseRedirect:
    notification, returned = TestProvider().answer(attempt, approved=approved, now=timezone.now())
    answer = receive_notification(
        provider=TestProvider.name,
        body=json.dumps(notification).encode(),
        headers={"Content-Type": "application/json"},
    )
    if not answer.success:
        # The shop learns the outcome from POST /payment-result; the buyer goes back.
        logger.info("Test provider notification for %s not placed: %s", attempt, answer.message)
    page = attempt.return_page if approved else (attempt.failed_page or attempt.return_page)
    return HttpResponseRedirect(with_params(page, returned))


def with_params(url: str, params: dict[str, str]) -> str:
    """The page's address with `params` appended to its own query (ours win on a clash)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in params]
    return urlunsplit(parts._replace(query=urlencode(query + list(params.items()))))


def _origins(*urls: str) -> list[str]:
    origins = {"'self'"}
    for url in filter(None, urls):
        parts = urlsplit(url)
        origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


def _plain(request, sentence: str, *, status: int):
    return render(request, "storefront/provider/gone.html", {"sentence": sentence}, status=status)


@csrf_exempt  # a server-to-server call, authenticated by its HMAC signature
@require_POST
def notification(request, provider: str) -> JsonResponse:
    """The provider's signed notification (External Payment Plugin shape), recorded
    raw and applied once (`backoffice.services.notifications`)."""
    answer = receive_notification(provider=provider, body=request.body, headers=request.headers)
    return _answer(answer.success, answer.message, status=answer.status)


def _answer(success: bool, message: str, *, status: int = 200) -> JsonResponse:
    return JsonResponse({"success": success, "message": message}, status=status)
