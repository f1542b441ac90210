"""Writing the audit trail. Callers are services, inside their transaction."""

from __future__ import annotations

from typing import Any

from core.actors import Actor, actor_name, actor_user
from orders.models import Order, OrderEvent


def record_event(
    *,
    order: Order,
    by: Actor,
    transition: str,
    from_state: Any = "",
    to_state: Any = "",
    subject: str = OrderEvent.Subject.ORDER,
    subject_ref: str = "",
    message: str = "",
    data: dict | None = None,
) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order,
        user=actor_user(by),
        actor=actor_name(by),
        subject=subject,
        subject_ref=subject_ref,
        transition=transition,
        from_state=str(from_state),
        to_state=str(to_state),
        message=message,
        data=data or {},
    )
