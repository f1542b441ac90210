"""A change page's read-only fieldsets drawn by `core.admin.fieldsets` are Django's own.

Every fieldset of every order's page on the crawl's world (every status, holds,
shipments, payments, returns, empty values), for a superuser and for a role that
may only view orders, in English and in Swedish: a fieldset whose fields are all
read-only is the markup Django's template draws (up to the whitespace between
tags), and any other is left to the template.
"""

import re

import pytest
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation

from core.admin.fieldsets import read_only_fieldset
from orders.models import Order
from tests.crawl_support import ORDERS_VIEWER, SUPERUSER, crawl_world, crawler

OPTIONS = {"heading_level": 2, "prefix": "fieldset", "id_prefix": 0}


def normalized(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


def djangos(fieldset, index: int) -> str:
    context = {"fieldset": fieldset, **OPTIONS, "id_suffix": index}
    return get_template("admin/includes/fieldset.html").render(context)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "sv"])
def test_read_only_fieldsets_are_djangos_markup(client, language):
    crawl_world()
    drawn = left = 0
    with translation.override(language):
        for role in (SUPERUSER, ORDERS_VIEWER):
            client.force_login(crawler(role))
            for order in Order.objects.all():
                url = reverse("admin:orders_order_change", args=[order.pk])
                response = client.get(url)
                assert response.status_code == 200, url
                for index, fieldset in enumerate(response.context["adminform"]):
                    ours = read_only_fieldset(fieldset, **OPTIONS, id_suffix=index)
                    if ours:
                        assert normalized(ours) == normalized(djangos(fieldset, index)), url
                        assert normalized(ours) in normalized(response.content.decode())
                        drawn += 1
                    else:
                        fields = [field for line in fieldset for field in line]
                        assert not all(field.is_readonly for field in fields), url
                        left += 1
    assert drawn > 100 and left > 20, (drawn, left)
