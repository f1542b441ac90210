"""The orders table's indexes: which list, filter and command each one serves.

Kept apart from the model because they change for a different reason (the
admin's queries and the maintenance commands, measured in bench/), and every
index is a write cost when an order changes status.
"""

from django.db import models
from django.db.models import Q

from orders.models.choices import OrderStatus

# Archiving writes a new row version into every index whose condition the
# archived order meets (PostgreSQL): the partial indexes below (cancelled, not
# archived, on hold…) are ones an archived order leaves instead of adding to.
ORDER_INDEXES = [
    # The status filter in the list's order, and its count, for every status.
    # Completed and Archived too (orders migration 0025): listed from the number
    # index, their first page walked past the 280,000 newer orders of other
    # statuses at a million (130–150 ms); one more entry per archived order.
    # The id makes the page an index-only scan.
    models.Index(fields=["status", "-number", "id"], name="order_status_number_idx"),
    # archive_orders' "completed before", and the completed-date filter of
    # the list, whose default (all but archived) names no one status: the
    # one index on the status that archived orders stay in.
    models.Index(fields=["status", "completed_at"], name="order_status_completed_idx"),
    # purge_cancelled_orders: "cancelled before".
    models.Index(
        fields=["cancelled_at"],
        condition=Q(status=OrderStatus.CANCELLED),
        name="order_cancelled_at_idx",
    ),
    models.Index(fields=["placed_at"], name="order_placed_idx"),
    # The list's default (all but archived) in its order: a broad search or a
    # range filter joins its matching ids to this small index (only the orders
    # not archived, ids included) instead of reading the whole table's heap
    # for "not archived", in the count and in the page.
    models.Index(
        fields=["-number", "id"],
        condition=~Q(status=OrderStatus.ARCHIVED),
        name="order_visible_number_idx",
    ),
    # The placed-date drill-down of the default list (all but archived), in its
    # order: a year with no open order answered from here, not by reading the
    # heap of that year's 330,000 archived orders for their status (migration 0025).
    models.Index(
        fields=["-placed_at", "-id"],
        condition=~Q(status=OrderStatus.ARCHIVED),
        name="order_visible_placed_idx",
    ),
    # The e-mail filter and search (equality), and anonymize_orders' keyset
    # batches over one customer's orders (e-mail, then id: no sort, and no walk
    # of the primary key past a million rows to find a big customer's orders).
    models.Index(fields=["customer_email", "id"], name="order_email_id_idx"),
    models.Index(fields=["-number"], condition=Q(on_hold=True), name="order_on_hold_idx"),
    # The admin list's market and country filters, in its default order.
    models.Index(fields=["market", "-number"], name="order_market_number_idx"),
    models.Index(fields=["shipping_country", "-number"], name="order_country_number_idx"),
    models.Index(fields=["grand_total"], name="order_grand_total_idx"),
    # The list's origin filter: staff-made orders are the few, in the list's order.
    models.Index(
        fields=["origin", "-number"],
        condition=~Q(origin="storefront"),
        name="order_staff_origin_idx",
    ),
    # An order page's follow-ups (its exchanges and resends), and deleting an
    # order (SET NULL): only the few orders made for another are in it.
    models.Index(
        fields=["related_order"],
        condition=Q(related_order__isnull=False),
        name="order_related_idx",
    ),
]
