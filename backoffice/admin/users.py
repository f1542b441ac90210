"""Django's user admin, with the two dates no one types read-only.

`last_login` and `date_joined` are set by Django itself; as inputs they were two
unlabelled date and time boxes each (axe: label), and editable for no reason.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin


class StaffUserAdmin(UserAdmin):
    readonly_fields = ["last_login", "date_joined"]


def register(site) -> None:
    user = get_user_model()
    if site.is_registered(user):
        site.unregister(user)
    site.register(user, StaffUserAdmin)
