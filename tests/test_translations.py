"""The French catalogue keeps up with the code: every marked string translated, every template string marked.

When one of these fails: `make messages`, write the French of the new entries in locale/fr/LC_MESSAGES/django.po
(README, "Translations"), commit the .po. They need no GNU gettext: config/catalogues.py extracts with Babel.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType
from django.utils import translation

from config.catalogues import BASE_DIR, compile_catalogues, extract_messages, read_catalogue

FRENCH_PO = BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / "django.po"
TEMPLATES_DIR = BASE_DIR / "templates"

# Words a template may show untranslated: names and abbreviations that are the same in both languages.
ALLOWED_WORDS = {
    "PDF",
    "XLSX",
    "CSV",
    "API",
    "JSON",
    "ETag",
    "P-code",
    "Mandate",
}
# Code and scripts are not prose.
UNREAD_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp"}
# Attributes a person reads or hears (a screen reader speaks aria-label, browsers show title and placeholder).
READ_ATTRIBUTES = {
    "title",
    "alt",
    "placeholder",
    "aria-label",
    "aria-description",
    "aria-valuetext",
    "aria-roledescription",
    "data-confirm",
    "data-filter-placeholder",
    "data-filter-selected",
}
PLACEHOLDER = "\x00"
WORD = re.compile(r"[^\W\d_]{2,}")
PYTHON_FORMAT = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]")
BRACE_FORMAT = re.compile(r"(?<!\{)\{(\w*)[^{}]*\}(?!\})")


@pytest.fixture(scope="module")
def french():
    return read_catalogue(FRENCH_PO)


def _entries(catalogue):
    return [message for message in catalogue if message.id]


def _key(message):
    return message.context, message.id if isinstance(message.id, str) else message.id[0]


def test_every_marked_string_is_in_the_french_catalogue(french):
    known = {_key(message) for message in _entries(french)}

    missing = {
        f"{msgid!r} ({', '.join(sorted(paths))})"
        for (context, msgid), paths in extract_messages().items()
        if (context, msgid) not in known
    }

    assert not missing, "run `make messages` and translate: " + "; ".join(sorted(missing))


def test_the_french_catalogue_has_no_fuzzy_or_empty_entry(french):
    assert not french.fuzzy, "remove the `#, fuzzy` flag of the catalogue header"
    fuzzy = [message.id for message in _entries(french) if message.fuzzy]
    strings = lambda message: message.string if isinstance(message.string, tuple) else (message.string,)  # noqa: E731
    empty = [message.id for message in _entries(french) if not all(s.strip() for s in strings(message))]

    assert fuzzy == [], "check these translations and remove their `#, fuzzy` line"
    assert empty == [], "translate these"


def test_french_translations_keep_the_placeholders_of_the_english(french):
    wrong = []
    for message in _entries(french):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for pattern in (PYTHON_FORMAT, BRACE_FORMAT):
            expected = sorted(set(pattern.findall(ids[-1])))
            if any(sorted(set(pattern.findall(string))) != expected for string in strings if string):
                wrong.append(ids[0])

    assert wrong == []


def test_the_catalogue_has_no_string_missing_from_the_code(french):
    # A string dropped from the code stays as clutter (and as work for translators) until `make messages`.
    marked = set(extract_messages())

    stale = [message.id for message in _entries(french) if _key(message) not in marked]

    assert stale == [], "run `make messages` (it drops entries no longer in the code)"


# French quotation marks, one style in every French string: « » with a no-break space (U+00A0) inside, so a
# quotation mark never stands alone at the start or end of a line. Not "…", “…”, ‘…’ nor '…' used as quotes.
# Text between backticks is code (an HTTP header, a JSON value) and keeps its quotes.
CODE_SPAN = re.compile(r"`[^`]*`")
OTHER_QUOTES = re.compile(r"[\"“”„‟]|(?:^|(?<=[\s(:]))['‘][^'‘’]+['’](?=[\s.,;:)]|$)")
BAD_GUILLEMETS = re.compile(r"«(?!\u00a0)|(?<!\u00a0)»")


def test_french_strings_quote_with_guillemets_and_no_break_spaces(french):
    """Failing-first: the import messages mixed « x » (plain spaces, the marks could end up alone on a line)
    and other styles; each new French string must follow the one style."""
    wrong = []
    for po in (FRENCH_PO, FRENCH_PO.with_name("apidocs.po")):
        catalogue = french if po == FRENCH_PO else read_catalogue(po)
        for message in _entries(catalogue):
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for string in strings:
                prose = CODE_SPAN.sub("", string)
                if OTHER_QUOTES.search(prose) or BAD_GUILLEMETS.search(prose):
                    wrong.append(f"{po.name}: {string!r}")

    assert wrong == [], "write « text » with U+00A0 inside the marks: " + "; ".join(wrong)


def test_the_compiled_catalogue_answers_in_french():
    compile_catalogues()
    translation.trans_real._translations.clear()  # other tests may have loaded the catalogue before

    with translation.override("fr"):
        assert translation.gettext("Benchmarks") != "Benchmarks"
    assert [FRENCH_PO.parents[2]] == settings.LOCALE_PATHS


# --- every template string marked ------------------------------------------------------------------------


class _TextFinder(HTMLParser):
    """Collects the text nodes and read attributes of a template whose tags were replaced by PLACEHOLDER."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in UNREAD_ELEMENTS:
            self._skip += 1
        attributes = dict(attrs)
        for name, value in attrs:
            readable = name in READ_ATTRIBUTES or (
                name == "value" and tag == "input" and attributes.get("type") in {"submit", "button", "reset"}
            )
            if readable and value:
                self._check(value)

    def handle_endtag(self, tag):
        if tag in UNREAD_ELEMENTS and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self._check(data)

    def _check(self, text):
        for piece in text.split(PLACEHOLDER):
            piece = " ".join(piece.split())
            if any(word not in ALLOWED_WORDS for word in WORD.findall(piece)):
                self.found.append(piece)


def unmarked_template_text(source: str) -> list[str]:
    """Text of a Django template shown to a person but outside {% translate %} / {% blocktranslate %}."""
    kept = []
    inside = None  # the end tag we are waiting for: blocktranslate bodies are marked, comments not shown
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if inside:
                if name == inside:
                    inside = None
                continue
            if name in {"blocktranslate", "blocktrans", "comment", "verbatim"}:
                inside = "end" + name
            # A translated string stands for text; other tags (if, for, url...) may sit inside an HTML tag.
            kept.append(PLACEHOLDER if name in {"translate", "trans", "blocktranslate", "blocktrans"} else " ")
        elif inside:
            continue
        elif token.token_type == TokenType.TEXT:
            kept.append(token.contents)
        else:
            kept.append(PLACEHOLDER)
    finder = _TextFinder()
    finder.feed("".join(kept))
    finder.close()
    return finder.found


def test_the_template_scan_finds_unmarked_text_and_accepts_marked_text():
    source = (
        "{% load i18n %}<h1>{% translate 'Plans' %}</h1><p>Unmarked words</p>"
        '<a title="Open it" aria-label="{% translate \'Open\' %}">{{ plan.name }}</a>'
        "{% blocktranslate %}Marked {{ n }} words{% endblocktranslate %}{# a comment #}"
        "{% comment %}Not shown{% endcomment %}<script src='x.js'></script><span>PDF</span> &middot; 12"
    )

    assert unmarked_template_text(source) == ["Unmarked words", "Open it"]


def test_templates_have_no_unmarked_text():
    unmarked = {}
    for path in sorted(TEMPLATES_DIR.rglob("*")):
        if path.suffix in {".html", ".txt"}:
            found = unmarked_template_text(path.read_text(encoding="utf-8"))
            if found:
                unmarked[str(path.relative_to(BASE_DIR))] = found

    assert unmarked == {}, "mark these with {% translate %} or {% blocktranslate %} (or allow them above)"


QUOTATION_MARKS = set("“”‘«»„")  # typographic ones only: a straight " in text is a tag split by {{ }}


def quotes_outside_the_catalogue(source: str) -> list[str]:
    """The template text outside {% blocktranslate %} that holds a quotation mark: quotes around a value must
    be in a translated string, so that French gets « » (and its spaces) as the English gets “ ”."""
    found, inside = [], False
    for token in Lexer(source).tokenize():
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents.split() else ""
            inside = name in {"blocktranslate", "blocktrans"} or (
                inside and name not in {"endblocktranslate", "endblocktrans"}
            )
        elif token.token_type == TokenType.TEXT and not inside:
            text = re.sub(r"<[^>]*>", "", token.contents)  # attribute quotes are markup
            if QUOTATION_MARKS & set(text):
                found.append(text.strip()[:80])
    return found


def test_templates_leave_quotation_marks_to_the_catalogue():
    """Failing-first: the import preview wrote (colonne “type”) and follow-ups “…” to a French reader."""
    assert (
        quotes_outside_the_catalogue('<a title="x">{{ v }}</a>{% blocktranslate %}“{{ v }}”{% endblocktranslate %}')
        == []
    )
    assert quotes_outside_the_catalogue("({% translate 'column' %} “{{ v }}”)") == ["“", "”)"]
    found = {}
    for path in sorted(TEMPLATES_DIR.rglob("*.html")):
        quoted = quotes_outside_the_catalogue(path.read_text(encoding="utf-8"))
        if quoted:
            found[str(path.relative_to(BASE_DIR))] = quoted

    assert found == {}, "put the quoted value in a {% blocktranslate %} (French: « value »)"


def test_template_folders_are_all_scanned():
    assert Path(settings.TEMPLATES[0]["DIRS"][0]) == TEMPLATES_DIR


# --- the API's descriptions (docstrings of views, actions and serializers: the `apidocs` catalogue) ----------


def test_every_api_description_has_its_french_and_none_is_stale():
    from config.catalogues import API_DOCS_DOMAIN, api_docstrings

    catalogue = read_catalogue(BASE_DIR / "locale" / "fr" / "LC_MESSAGES" / f"{API_DOCS_DOMAIN}.po")
    translated = {m.id: m.string for m in catalogue if m.id}
    docstrings = api_docstrings()

    assert "Mark this notification read." in docstrings  # the extraction sees actions' docstrings
    missing = sorted(set(docstrings) - set(translated))
    assert missing == [], "run `make messages` (or `python -m config.catalogues apidocs`) and translate"
    assert sorted(set(translated) - set(docstrings)) == [], "run `python -m config.catalogues apidocs`"
    assert [text for text, french in translated.items() if not french.strip()] == [], "translate these"


@pytest.mark.django_db
def test_the_api_schema_describes_each_endpoint_in_french_for_a_french_request(hom):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(hom)

    def operation(language):
        schema = client.get("/api/schema/", {"format": "json", "lang": language}).json()
        return schema["paths"]["/api/v1/narratives/"]["get"]["description"], schema["components"]["schemas"]

    english, _components = operation("en")
    french, components = operation("fr")
    assert english.startswith("Narrative assessments per output")
    assert french.startswith("Les rapports narratifs par produit")
    # Serializer descriptions too (the plan items' common serializer describes their components).
    descriptions = {c.get("description", "") for c in components.values()}
    assert "Parties communes des éléments du plan : retrait, et composantes de la mission du parent." in descriptions
    # A French browser (Accept-Language) gets the same without `lang`.
    by_header = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="fr").json()
    assert by_header["paths"]["/api/v1/notifications/{id}/read/"]["post"]["description"] == (
        "Marquer cette notification comme lue."
    )
