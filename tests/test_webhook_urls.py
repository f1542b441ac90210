"""Webhook URLs reach only public https receivers: refused at save and again at send."""

from __future__ import annotations

import socket

import pytest
from django.utils import timezone

from core.roles import BACKOFFICE_ADMIN
from integrations import delivery
from outbox import endpoints
from outbox.models import Integration, OutboxMessage
from outbox.publish import Happened, publish
from tests.admin_support import role_user
from tests.integration_support import make_integration
from tests.receiver_harness import BadReceiver

REAL_GETADDRINFO = socket.getaddrinfo
# Names a test's resolver answers (no network in the tests): address lists, as DNS would.
FAKE_DNS = {
    "rebind.example": ["127.0.0.1"],
    "metadata.example": ["169.254.169.254"],
    "mixed.example": ["93.184.216.34", "10.0.0.7"],  # one public, one private
    "v6-loopback.example": ["::1"],
    "receiver.example": ["93.184.216.34"],
    "erp.example": ["93.184.216.35"],
    "onprem.example": ["10.20.1.5"],
}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch):
    def getaddrinfo(host, port, *args, **kwargs):
        if host in FAKE_DNS:
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, port),
                )
                for a in FAKE_DNS[host]
            ]
        return REAL_GETADDRINFO(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


REFUSALS = [
    # scheme
    ("ftp://receiver.example/hooks", "must start with https://"),
    ("file:///etc/passwd", "must start with https://"),
    ("gopher://receiver.example:70/", "must start with https://"),
    ("http://receiver.example/hooks", "must be reached over https"),
    ("http://169.254.169.254/latest/meta-data/", "must be reached over https"),
    # the URL itself
    ("https:///hooks", "has no host"),
    ("https://[::1/hooks", "cannot be read"),
    ("https://receiver.example:99999/", "cannot be read"),
    ("https://user:secret@receiver.example/", "user name or password"),
    ("https://name.invalid/hooks", "could not be resolved"),
    # addresses, however they are written
    ("https://127.0.0.1:5432/", "loopback"),
    ("https://127.1/", "loopback"),
    ("https://0x7f.1/", "loopback"),
    ("https://2130706433/", "loopback"),
    ("https://017700000001/", "loopback"),
    ("https://[::1]/", "loopback"),
    ("https://[::ffff:127.0.0.1]/", "loopback"),
    ("https://[::ffff:7f00:1]/", "loopback"),
    ("https://localhost/hooks", "loopback"),
    ("https://LocalHost/hooks", "loopback"),
    ("https://rebind.example/hooks", "loopback"),
    ("https://v6-loopback.example/hooks", "loopback"),
    ("https://169.254.169.254/latest/meta-data/", "link-local"),
    ("https://metadata.example/", "link-local"),
    ("https://[fe80::1]/", "link-local"),
    ("https://[::ffff:169.254.169.254]/", "link-local"),
    ("https://10.0.0.1/", "private"),
    ("https://172.16.5.4/", "private"),
    ("https://192.168.1.10/", "private"),
    ("https://[fc00::1]/", "private"),
    ("https://mixed.example/", "private"),
    ("https://100.64.0.1/", "non-public"),
    ("https://224.0.0.1/", "multicast"),
    ("https://[ff02::1]/", "multicast"),
    ("https://240.0.0.1/", "reserved"),
    ("https://0.0.0.0/", "unspecified"),
    ("https://0/", "unspecified"),
    ("https://[::]/", "unspecified"),
]


@pytest.mark.parametrize(("url", "why"), REFUSALS, ids=[url for url, _ in REFUSALS])
def test_refused_urls(url, why):
    refusal = endpoints.refusal(url)
    assert refusal is not None and refusal.startswith("Refused: ")
    assert why in refusal


def test_public_https_receivers_pass_and_are_pinned_to_the_checked_address():
    assert endpoints.refusal("https://receiver.example/hooks?x=1") is None
    endpoint = endpoints.checked("https://receiver.example:8443/hooks?x=1")
    assert (endpoint.host, endpoint.port, endpoint.target, endpoint.address) == (
        "receiver.example",
        8443,
        "/hooks?x=1",
        "93.184.216.34",
    )


def test_plain_http_only_in_debug_or_for_a_named_host(settings):
    assert "over https" in endpoints.refusal("http://erp.example/hooks")
    settings.WEBHOOK_HTTP_HOSTS = ["erp.example"]
    assert endpoints.refusal("http://erp.example/hooks") is None
    assert "over https" in endpoints.refusal("http://receiver.example/hooks")
    settings.DEBUG = True
    assert endpoints.refusal("http://receiver.example/hooks") is None
    assert "loopback" in endpoints.refusal("http://localhost/hooks")  # DEBUG allows http only


def test_an_on_premises_network_is_let_through_by_the_allow_list(settings):
    assert "private" in endpoints.refusal("https://onprem.example/")
    settings.WEBHOOK_ALLOWED_NETWORKS = ["10.20.0.0/16"]
    assert endpoints.refusal("https://onprem.example/") is None
    assert endpoints.refusal("https://10.20.255.1/") is None
    assert "private" in endpoints.refusal("https://10.0.0.1/")
    assert "loopback" in endpoints.refusal("https://localhost/")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/latest/", "https://127.0.0.1:5432/", "https://localhost/", "ftp://x/"],
)
def test_the_integration_form_refuses_and_saves_nothing(client, url):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    response = client.post(
        "/admin/outbox/integration/add/",
        {"name": "hook", "kind": "webhook", "signing_secret": "x", "endpoint_url": url},
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["endpoint_url"]
    assert errors[0].startswith(("Refused: ", "Enter a valid URL."))
    assert not Integration.objects.exists()


@pytest.mark.django_db
def test_the_form_saves_a_public_https_receiver(client):
    client.force_login(role_user(BACKOFFICE_ADMIN))
    response = client.post(
        "/admin/outbox/integration/add/",
        {
            "name": "hook",
            "kind": "webhook",
            "signing_secret": "x",
            "endpoint_url": "https://receiver.example/hooks",
        },
    )
    assert response.status_code == 200  # the new token's page
    assert Integration.objects.get().endpoint_url == "https://receiver.example/hooks"


@pytest.mark.django_db
def test_at_send_an_open_and_a_closed_internal_port_read_the_same(settings):
    """Saved before the rules (or by the shell): refused again before any connection."""
    settings.WEBHOOK_HTTP_HOSTS = ["127.0.0.1"]  # http allowed, the address still refused
    open_port = BadReceiver("huge_body")
    try:
        make_integration("open", events=["order.held"], endpoint_url=open_port.url)
        make_integration("closed", events=["order.held"], endpoint_url="http://127.0.0.1:9/")
        publish([Happened("order.held", order_id=1, order_number=1, occurred_at=timezone.now())])
        assert delivery.deliver_due().retrying == 2
        errors = {m.integration.name: m.last_error for m in OutboxMessage.objects.all()}
        assert errors["open"] == errors["closed"]
        assert errors["open"].startswith("Refused: 127.0.0.1 resolves to a loopback address")
        assert open_port.requests == 0  # never connected
    finally:
        open_port.close()
