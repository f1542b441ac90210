from django.utils.translation import gettext as _


class DomainError(Exception):
    """A refused business action, carrying one sentence a staff member understands.

    Every service in every app raises this (and only this) when it says no, so the
    admin, the commands and any API can show `str(error)` as it is.
    """

    def __init__(self, message: str):
        # A lazy translation is read now, in the language of whoever is refused.
        message = str(message)
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotPermitted(DomainError):
    """A refusal because the actor lacks the permission, not because of the state.

    Still a `DomainError` with one sentence; an API answers it with 403 rather than 409.
    """


class PartlyDone(DomainError):
    """A step over an object's parts (its shipments, say) that some took and some refused.

    Each part runs in its own transaction, so what was done stays done; the
    sentence names both.
    """


class FieldErrors(DomainError):
    """A refusal naming the fields at fault, as the Checkout API answers it (406):
    `errors` maps a dotted field name to what is wrong ("address.email": "required").

    Still a `DomainError`, its sentence naming the fields, for any other caller.
    """

    def __init__(self, errors: dict[str, str], message: str = ""):
        super().__init__(
            message or _("Missing or invalid: %(fields)s.") % {"fields": ", ".join(sorted(errors))}
        )
        self.errors = dict(errors)
