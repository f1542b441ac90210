"""Tabular inlines whose inputs have names a screen reader can say.

Django's tabular inline shows each field's label once, as a column head, so
the inputs of its rows have no label of their own (axe: label, select-name).
`LabelledTabularInline` gives every input of every row its field's label as
`aria-label`, the delete box included.
"""

from __future__ import annotations

from django.contrib import admin
from django.forms.models import BaseInlineFormSet


class LabelledInlineFormSet(BaseInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        for field in form.fields.values():
            if field.label:
                # A foreign key's select is inside the admin's wrapper (its + and ✎ links).
                widget = getattr(field.widget, "widget", field.widget)
                widget.attrs.setdefault("aria-label", str(field.label))


class LabelledTabularInline(admin.TabularInline):
    formset = LabelledInlineFormSet
