"""Command-line options made from a django-filter FilterSet, so they cannot drift.

Each filter becomes `--name` (a range filter `--name-after/--name-before` or
`--name-min/--name-max`, from its widget's suffixes; a multiple choice may be
repeated). The parsed options go back into the FilterSet as the same data a
form would send, so the command selects exactly what the admin's panel would.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django import forms
from django.core.management.base import CommandError
from django.db.models import QuerySet
from django_filters import FilterSet

DEST_PREFIX = "filter__"


def add_filter_arguments(
    parser: ArgumentParser, filterset_class: type[FilterSet], *, exclude: set[str]
) -> None:
    group = parser.add_argument_group(f"filters (from {filterset_class.__name__})")
    for name, filter_ in filterset_class.base_filters.items():
        if name in exclude:
            continue
        field = filter_.field
        label = str(filter_.label or name.replace("_", " ").capitalize())
        suffixes = getattr(field.widget, "suffixes", None)
        if suffixes:
            for suffix in suffixes:
                key = f"{name}_{suffix}"
                group.add_argument(
                    _flag(key), dest=DEST_PREFIX + key, metavar=suffix.upper(), help=label
                )
            continue
        kwargs: dict[str, Any] = {
            "dest": DEST_PREFIX + name,
            "metavar": name.upper(),
            "help": label,
        }
        if isinstance(field, forms.MultipleChoiceField):
            kwargs["action"] = "append"
        if isinstance(field, forms.NullBooleanField):
            kwargs["choices"] = ["true", "false"]
            del kwargs["metavar"]
        elif isinstance(field, forms.ChoiceField):
            kwargs["choices"] = [str(value) for value, _ in field.choices if value != ""]
            del kwargs["metavar"]
        group.add_argument(_flag(name), **kwargs)


def filter_data(options: dict[str, Any]) -> dict[str, Any]:
    """The FilterSet data given on the command line (unset options left out)."""
    return {
        dest.removeprefix(DEST_PREFIX): value
        for dest, value in options.items()
        if dest.startswith(DEST_PREFIX) and value is not None
    }


def filtered(
    filterset_class: type[FilterSet], data: dict[str, Any], queryset: QuerySet
) -> QuerySet:
    filterset = filterset_class(data, queryset=queryset)
    if not filterset.is_valid():
        problems = "; ".join(
            f"--{name.replace('_', '-')}: {' '.join(errors)}"
            for name, errors in filterset.errors.items()
        )
        raise CommandError(f"Invalid filter: {problems}")
    return filterset.qs


def describe(data: dict[str, Any]) -> str:
    return ", ".join(f"{_flag(k)}={v}" for k, v in data.items()) or "no filters"


def _flag(key: str) -> str:
    return "--" + key.replace("_", "-")
