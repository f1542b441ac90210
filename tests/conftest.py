import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(
        reason="needs PostgreSQL (row locks and concurrency); set DATABASE_URL=postgres://…"
    )
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def store(db):
    from orders.models import StoreSettings

    return StoreSettings.load()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # Every UserFactory hashes a password; the default PBKDF2 costs ~0.3 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def outbox_subscriptions(settings):
    """Each test starts knowing that no integration subscribes (its database has
    none until it makes one, which forgets this), so no query budget pays for
    reading the subscriptions, and none leaks from an earlier test."""
    from outbox import subscriptions

    settings.OUTBOX_SUBSCRIPTION_TTL = None  # only saving an integration forgets them
    subscriptions.assume_none()
    yield
    subscriptions.forget()


@pytest.fixture
def loopback_webhooks(settings):
    """Webhooks may go to receivers of this test on 127.0.0.1 over plain http
    (production refuses both: outbox/endpoints.py)."""
    settings.WEBHOOK_HTTP_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.1/32"]


@pytest.fixture
def receiver(loopback_webhooks):
    """A webhook receiver on 127.0.0.1 (a free port), verifying signatures."""
    from tests.integration_support import start_receiver

    receiver, server = start_receiver("test-signing-secret")
    yield receiver
    server.shutdown()
    server.server_close()
