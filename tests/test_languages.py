"""Each staff member's language (backoffice.languages): the browser's until they choose,
then theirs on every browser they log in from; a bad choice changes nothing."""

from __future__ import annotations

import pytest
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from backoffice.models import StaffPreference
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def lang(response) -> str:
    html = response.content.decode()
    return html.split('<html lang="', 1)[1].split('"', 1)[0]


@pytest.fixture
def staff():
    return UserFactory(username="sara", is_staff=True, is_superuser=True)


def test_the_browsers_language_until_one_is_chosen(client, staff):
    assert lang(client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="sv-SE,sv;q=0.9")) == "sv"
    assert "Logga in" in client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    client.force_login(staff)
    assert lang(client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en-GB")) == "en"
    assert lang(client.get("/admin/", HTTP_ACCEPT_LANGUAGE="sv")) == "sv"


def test_a_chosen_language_wins_over_the_browser_and_follows_the_user(client, staff):
    client.force_login(staff)
    response = client.post("/admin/language/", {"language": "sv"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert StaffPreference.objects.get(user=staff).language == "sv"
    page = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")
    assert lang(page) == "sv"
    assert "Back office är nu på Svenska." in page.content.decode()
    # Another browser: the choice comes with the login.
    elsewhere = Client(HTTP_ACCEPT_LANGUAGE="en")
    elsewhere.force_login(staff)
    assert lang(elsewhere.get("/admin/")) == "sv"


def test_back_to_the_browsers_language(client, staff):
    StaffPreference.objects.create(user=staff, language="sv")
    client.force_login(staff)
    client.post("/admin/language/", {"language": ""})
    assert StaffPreference.objects.get(user=staff).language == ""
    assert lang(client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en")) == "en"


def test_a_language_we_do_not_speak_is_refused_and_changes_nothing(client, staff):
    StaffPreference.objects.create(user=staff, language="sv")
    client.force_login(staff)
    response = client.post("/admin/language/", {"language": "de"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "Välj ett giltigt alternativ" in response.content.decode()
    assert StaffPreference.objects.get(user=staff).language == "sv"


def test_the_next_page_stays_on_this_site(client, staff):
    client.force_login(staff)
    away = client.post("/admin/language/", {"language": "en", "next": "https://evil.example/"})
    assert away["Location"] == "/admin/"
    back = client.post("/admin/language/", {"language": "en", "next": "/admin/orders/order/"})
    assert back["Location"] == "/admin/orders/order/"


def test_the_language_costs_no_query(client, staff, django_assert_num_queries):
    client.force_login(staff)
    client.get("/admin/language/")  # warm the caches
    # Each request empties the query log as it starts: count from an empty one.
    reset_queries()
    with CaptureQueriesContext(connection) as english:
        client.get("/admin/language/")
    in_english = len(english.captured_queries)  # read now: it is a view of the log
    client.post("/admin/language/", {"language": "sv"})
    reset_queries()
    with django_assert_num_queries(in_english):
        assert lang(client.get("/admin/language/")) == "sv"


def test_the_user_links_name_the_language_page(client, staff):
    client.force_login(staff)
    html = client.get("/admin/").content.decode()
    assert 'href="/admin/language/?next=/admin/"' in html


def test_the_apis_answer_in_english_whatever_the_caller_speaks(settings):
    from tests.checkout_support import Api, make_shop

    api = Api(secret=make_shop().secret)
    api.post("items/TEE-M")
    line = api.get("selection").data["selection"]["items"][0]["line"]
    too_many = api.put(f"lines/{line}/quantity/10000", **{"Accept-Language": "sv"})
    assert too_many.status_code == 406
    assert too_many.data["errors"] == {
        "quantity": "At most 9999 units of an item fit in a selection."
    }
    assert too_many["Content-Language"] == "en"


def test_the_order_page_names_the_customers_language_in_the_readers(client, staff):
    from tests.factories import OrderFactory

    order = OrderFactory(language="sv")
    client.force_login(staff)
    url = f"/admin/orders/order/{order.pk}/change/"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    swedish = client.get(url, HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert '<div class="readonly">Swedish</div>' in english
    assert '<div class="readonly">svenska</div>' in swedish.lower()
