"""Admins of rows that only services write (shipments, payments, their ledgers, the
timeline, tombstones): shown, never added, changed or deleted by hand."""


class ReadOnlyAdminMixin:
    """For a ModelAdmin or an inline; `obj` is what inlines are asked with."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
