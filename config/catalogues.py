"""The translation catalogues without GNU gettext: compile .po to .mo, and extract the marked strings.

`make messages` updates `locale/<lang>/LC_MESSAGES/django.po` with Django's makemessages (which needs GNU
gettext, a developer tool). Everything `make run` and `make test` need works with Python alone:
- `compile_catalogues()` writes the .mo files with Babel (`python -m config.catalogues compile`);
- `extract_messages()` finds the marked strings the way makemessages does (Django's `templatize` turns a
  template into gettext calls, Babel's Python extractor reads them), so the catalogue tests can tell a
  string that is marked but missing from a catalogue on a machine without xgettext.
"""

import ast
import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale"
# Where makemessages looks (see the Makefile's `messages` target): the project's code and templates.
SOURCE_DIRS = (
    "config",
    "missions",
    "benchmarks",
    "elections",
    "partners",
    "reports",
    "narratives",
    "mandate",
    "accounts",
    "notifications",
    "templates",
)
TEMPLATE_SUFFIXES = (".html", ".txt")

# Django's makemessages passes these keywords to xgettext; Babel's spec: argument positions, "c" = context.
KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


# The API's per-endpoint descriptions are the docstrings of its views, actions and serializers (drf-spectacular
# reads them); docstrings are not gettext calls, so they have a catalogue of their own, `apidocs`, kept in step
# with the code by `python -m config.catalogues apidocs` (`make messages`) and read by config.schema.
API_DOCS_DOMAIN = "apidocs"
DOMAINS = ("django", API_DOCS_DOMAIN)
# The methods whose docstring is an operation's description (the rest are for developers).
API_OPERATIONS = {"list", "retrieve", "create", "update", "partial_update", "destroy", "get", "post", "put",
                  "patch", "delete"}  # fmt: skip


def po_files(domain: str | None = "django") -> list[Path]:
    domains = DOMAINS if domain is None else (domain,)
    return sorted(path for name in domains for path in LOCALE_DIR.glob(f"*/LC_MESSAGES/{name}.po"))


def read_catalogue(path: Path):
    with path.open("rb") as handle:
        return read_po(handle, abort_invalid=True)


def compile_catalogues(*, only_stale: bool = True) -> list[Path]:
    """Write each .mo next to its .po (fuzzy entries left out, as msgfmt does); returns those written.

    The file is written under a temporary name and renamed, so parallel test processes never read half a file.
    """
    written = []
    for po in po_files(None):
        mo = po.with_suffix(".mo")
        if only_stale and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalogue = read_catalogue(po)
        tmp = mo.with_suffix(f".mo.{id(catalogue)}.tmp")
        with tmp.open("wb") as handle:
            write_mo(handle, catalogue, use_fuzzy=False)
        tmp.replace(mo)
        written.append(mo)
    return written


def _source_files():
    for name in SOURCE_DIRS:
        root = BASE_DIR / name
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if "migrations" in path.parts or not path.is_file():
                continue
            if path.suffix == ".py" or path.suffix in TEMPLATE_SUFFIXES:
                yield path


def _python_source(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".py":
        from django.utils.translation.template import templatize

        text = templatize(text, origin=str(path))
    return text


def extract_messages() -> dict[tuple[str | None, str], set[str]]:
    """Every marked string of the project: {(context, msgid): {relative paths}}; plural forms keyed by the
    singular. Strings outside `gettext` calls (f-strings, variables) are not extractable, as for xgettext."""
    found: dict[tuple[str | None, str], set[str]] = {}
    for path in _source_files():
        source = _python_source(path)
        if "gettext" not in source and "_(" not in source:
            continue
        buffer = io.BytesIO(source.encode("utf-8"))
        for _lineno, _func, message, _comments in extract_python(buffer, KEYWORDS, [], {"encoding": "utf-8"}):
            context = None
            if isinstance(message, tuple):
                if _func.startswith(("pgettext", "npgettext")):
                    context, message = message[0], message[1]
                else:
                    message = message[0]
            if not message:
                continue
            found.setdefault((context, message), set()).add(str(path.relative_to(BASE_DIR)))
    return found


def api_docstrings() -> dict[str, set[str]]:
    """The docstrings the API schema shows, as drf-spectacular cleans them: of every class of the apps' `api.py`
    (views, viewsets, serializers, fields) and of their operations (CRUD methods and `@action`s)."""
    found: dict[str, set[str]] = {}
    for path in sorted(BASE_DIR.glob("*/api.py")):
        if path.parent.name not in SOURCE_DIRS or path.parent.name == "mandate":  # mandate/api.py: the base classes
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.ClassDef):
                continue
            docs = [ast.get_docstring(node)]
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and (
                    item.name in API_OPERATIONS or any(ast.unparse(d).startswith("action") for d in item.decorator_list)
                ):
                    docs.append(ast.get_docstring(item))
            for doc in filter(None, docs):
                text = "\n".join(line.rstrip() for line in doc.rstrip().split("\n"))
                found.setdefault(text, set()).add(str(path.relative_to(BASE_DIR)))
    return found


def update_api_catalogues() -> list[Path]:
    """Bring each language's `apidocs.po` in step with the docstrings: new ones added untranslated, gone ones
    dropped, translations kept."""
    written = []
    docstrings = api_docstrings()
    for django_po in po_files():
        po = django_po.with_name(f"{API_DOCS_DOMAIN}.po")
        old = read_catalogue(po) if po.exists() else Catalog(locale=po.parent.parent.name)
        new = Catalog(locale=old.locale, project="Mandate API descriptions", fuzzy=False)
        for text, paths in sorted(docstrings.items()):
            previous = old.get(text)
            new.add(text, previous.string if previous else "", auto_comments=sorted(paths))
        buffer = io.BytesIO()
        write_po(buffer, new, width=0, omit_header=False, sort_output=True)
        po.write_bytes(b"".join(line for line in buffer.getvalue().splitlines(keepends=True)
                                if not line.startswith((b'"POT-Creation-Date:', b'"PO-Revision-Date:'))))  # fmt: skip
        written.append(po)
    return written


def tidy_catalogues() -> None:
    """Drop the header's POT-Creation-Date, which makemessages rewrites on every run: two branches that each
    added a string would otherwise conflict on that line."""
    for po in po_files():
        text = po.read_text(encoding="utf-8")
        tidy = "".join(line for line in text.splitlines(keepends=True) if not line.startswith('"POT-Creation-Date:'))
        if tidy != text:
            po.write_text(tidy, encoding="utf-8")


def main(argv: list[str]) -> int:
    if argv[1:] == ["tidy"]:
        tidy_catalogues()
        return 0
    if argv[1:] == ["apidocs"]:
        for po in update_api_catalogues():
            print(f"updated {po.relative_to(BASE_DIR)}")
        return 0
    if argv[1:] == ["compile"]:
        for mo in compile_catalogues(only_stale=False):
            print(f"compiled {mo.relative_to(BASE_DIR)}")
        return 0
    print("usage: python -m config.catalogues compile|tidy|apidocs", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
