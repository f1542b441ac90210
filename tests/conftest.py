import pytest
from django.db import connection


def pytest_collection_modifyitems(config, items):
    if connection.vendor == "postgresql":
        return
    for item in items:
        marker = item.get_closest_marker("postgres")
        if marker is not None:
            item.add_marker(pytest.mark.skip(reason=postgres_skip_reason(marker)))


def postgres_skip_reason(marker) -> str:
    """Why the test runs on PostgreSQL only, as its marker says: `@pytest.mark.postgres("why")`."""
    why = f": {marker.args[0]}" if marker.args else ""
    return f"PostgreSQL only{why}; set DATABASE_URL=postgres://… to run it"


@pytest.fixture
def store(db):
    from orders.models import StoreSettings

    return StoreSettings.load()


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    # Every UserFactory hashes a password; the default PBKDF2 costs ~0.3 s each.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english_first():
    """Each test starts in English: a request in Swedish leaves its language active
    in the thread (LocaleMiddleware activates one per request, and nothing resets it)."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


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
