"""A deterministic, realistic demo data set for `manage.py demo`.

Every order is made through the services, by the staff user whose job it is
(the storefront checks out, customer service confirms, holds and cancels, the
warehouse ships, finance captures, the archive command archives), so each
history, ledger row and stock movement is one the back office would really
have. Afterwards each order's whole history is moved back in time as one piece
(`timeshift.move_into_the_past`: every timestamp of the order and of the rows under it by
the same amount), so the demo has weeks of past without inventing any event.

The same `seed` gives the same data.
"""

from backoffice.demo.build import Demo, build_demo, demo_exists, reset_demo
from backoffice.demo.catalog import DEMO_USERS

__all__ = ["DEMO_USERS", "Demo", "build_demo", "demo_exists", "reset_demo"]
