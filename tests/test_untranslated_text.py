"""No text on the back office's pages is outside gettext.

A pseudo-language marks every string that comes through gettext, ours and
Django's alike, as ⟦…⟧. The superuser crawls every admin page (the crawl of
tests/crawl_support.py) in it; on each page, the text shown and the words of
`title`, `placeholder`, `aria-label`, `alt` and buttons, with the marked parts and
the data (what the database holds: names, SKUs, comments, group names) taken out,
must hold no word. A word left is a string a Swedish reader would read in English.
(Every kind of page opening in Swedish is tests/browser/test_every_page_axe.py's.)
"""

from __future__ import annotations

import gettext
import re
from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.translation import trans_real

from backoffice.languages import SESSION_KEY
from tests.crawl_support import SUPERUSER, crawl, crawl_world, crawler

pytestmark = pytest.mark.django_db

PSEUDO = "en-xa"
MARKED = re.compile(r"⟦[^⟦⟧]*⟧")
WORD = re.compile(r"[^\W\d_]{2,}")
# Words that are the same in every language: currencies and the units of data.
UNIVERSAL = re.compile(r"^(?:[A-Z]{3}|[A-Z]{2})$")
SHOWN_ATTRIBUTES = {"title", "placeholder", "aria-label", "alt"}
# Django's own, which Django leaves in English: its admin password form glues an
# English sentence to a translated one when the module is imported.
DJANGO_UNTRANSLATED = re.compile(
    r"Whether the user will be able to authenticate using a password or not\..*?LDAP\.|"
    r"If disabled, the current password for this user will be lost\.",
    re.S,
)
# Codes shown beside their words on purpose, for whoever integrates: "(order.confirmed)";
# and a password's salt, masked ("Up*****").
CODE = re.compile(r"\(\w+\.\w+\)|\w*\*{3,}")


class Marked(gettext.NullTranslations):
    """Every message as ⟦message⟧: what went through gettext is visible on the page."""

    def gettext(self, message):
        if not message:
            return message
        # pgettext joins its context to the message with \x04.
        return f"⟦{message.split(chr(4), 1)[-1]}⟧"

    def ngettext(self, singular, plural, n):
        return self.gettext(singular if n == 1 else plural)

    def to_language(self):
        return PSEUDO


class ShownText(HTMLParser):
    """The text a reader sees: text nodes outside script and style, and shown attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        shown = dict(attrs)
        if tag == "img" and "/admin/img/icon-" in shown.get("src", ""):
            return  # Django's boolean icons: alt="True" is Django's, not ours to translate
        self.parts += [value for name, value in attrs if name in SHOWN_ATTRIBUTES and value]
        if tag == "input" and shown.get("type") in ("submit", "button") and shown.get("value"):
            self.parts.append(shown["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data)


def data_strings() -> re.Pattern:
    """Every text value in the database, as whole words: data, not the page's words."""
    found: set[str] = set()

    def collect(value):
        if isinstance(value, str):
            found.add(value.strip())
            found.update(value.split("$"))  # a password's hash shows its algorithm
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    text_fields = (models.CharField, models.TextField, models.JSONField)
    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, text_fields)]
        for row in model.objects.values_list(*names) if names else ():
            for value in row:
                collect(value)
    # Each language is named in its own words on purpose ("Svenska"), like data.
    found.update(name for _code, name in settings.LANGUAGES)
    values = sorted((value for value in found if len(value) > 1), key=len, reverse=True)
    either = "|".join(map(re.escape, values))
    return re.compile(rf"(?<!\w)(?:{either})(?!\w)")


def unmarked_lines(text: str, data: re.Pattern) -> list[str]:
    """The lines of `text` that still hold a word once the marked parts and the data are out."""
    while MARKED.search(text):
        text = MARKED.sub(" ", text)
    text = data.sub(" ", CODE.sub(" ", DJANGO_UNTRANSLATED.sub(" ", text)))
    return [
        " ".join(line.split())
        for line in text.splitlines()
        if any(not UNIVERSAL.match(word) for word in WORD.findall(line))
    ]


def speak_pseudo(client, settings):
    """The logged-in client's pages from now on in the pseudo-language."""
    settings.LANGUAGES = [*settings.LANGUAGES, (PSEUDO, "Pseudo")]
    trans_real.translation("en")  # the cache of translations exists from here on
    trans_real._translations[PSEUDO] = Marked()
    session = client.session
    session[SESSION_KEY] = PSEUDO
    session.save()


def test_every_word_on_every_page_comes_through_gettext(client, settings):
    crawl_world()
    client.force_login(crawler(SUPERUSER))
    speak_pseudo(client, settings)
    data = data_strings()
    untranslated: dict[str, set[str]] = {}

    def read(url, html):
        parser = ShownText()
        parser.feed(html)
        # One text for the page: a translated sentence may hold tags (a link, <strong>).
        for line in unmarked_lines("\n".join(parser.parts), data):
            untranslated.setdefault(line[:80], set()).add(url)

    failures, size = crawl(client, on_page=read)
    assert failures == [], "\n".join(failures)
    assert size["pages"] > 50, size
    report = [f"{text!r} on {sorted(pages)[0]}" for text, pages in sorted(untranslated.items())]
    assert not report, f"{len(report)} texts outside gettext:\n" + "\n".join(report[:60])
