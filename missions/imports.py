"""Reading tabular uploads (CSV or XLSX) for bulk imports, and reporting their errors row by row.

Shared by every importer in the project (polling sites in `elections`, partners in `partners`).
An importer does three things with this module:

1. `rows = read_table(uploaded_file, aliases={...})`: the rows of the first table in the file, as dicts
   keyed by normalised column names (see `normalise_header`), with string values (stripped; empty cells
   are ""). Each row also carries its line number in the source file under `ROW` ("_row"), so errors
   point at the line the user sees in their spreadsheet. Blank rows are skipped. Raises `TableError`
   (with a user-facing message) when the file cannot be read as a table at all.
2. Validate each row with the small parsers below (`parse_int`, `parse_decimal`, `parse_date`; they raise
   `ValueError` with a user-facing message) and record problems with `report.add(row, column, message)`
   on an `ImportReport`.
3. Import nothing unless `report.ok`, and then everything in one transaction.

Between preview and confirmation, `stash_upload(request, key, uploaded_file)` keeps the uploaded file in
a private folder under `VAR_DIR/imports/` with its token in the session, and `open_stashed(request, key)`
reads it back (None when missing or expired); `discard_stashed(request, key)` removes it.

The API of this module is stable: add to it, do not change what exists.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

ROW = "_row"  # key of the source line number in every row dict
DEFAULT_MAX_ROWS = 50_000
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
STASH_MAX_AGE = datetime.timedelta(hours=6)

CSV_EXTENSIONS = {".csv", ".txt"}
XLSX_EXTENSIONS = {".xlsx", ".xlsm"}


class TableError(Exception):
    """The upload cannot be read as a table (wrong format, empty, no header, too large)."""


@dataclass(frozen=True)
class RowError:
    row: int | None  # line in the source file (header is line 1); None for a file-level problem
    column: str  # normalised column name, or "" when the problem concerns the whole row
    message: str


@dataclass
class ImportReport:
    """What an import found: how many rows it read, and every problem, by row."""

    total_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: int = 0

    def add(self, row: int | None, column: str, message: str) -> None:
        self.errors.append(RowError(row=row, column=column, message=str(message)))

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_rows(self) -> int:
        """How many distinct rows have at least one error."""
        return len({e.row for e in self.errors if e.row is not None})

    def by_row(self) -> dict[int | None, list[RowError]]:
        grouped: dict[int | None, list[RowError]] = {}
        for error in self.errors:
            grouped.setdefault(error.row, []).append(error)
        return grouped

    def as_dict(self) -> dict:
        """A JSON-friendly form, for API answers and logs."""
        return {
            "total_rows": self.total_rows,
            "created": self.created,
            "errors": [{"row": e.row, "column": e.column, "message": e.message} for e in self.errors],
        }


def normalise_header(name) -> str:
    """'  Registered Voters ' -> 'registered_voters'; 'Région' -> 'region'; 'Lat.' -> 'lat'."""
    text = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^0-9a-zA-Z]+", "_", text.strip().lower())
    return text.strip("_")


def read_table(
    uploaded_file, *, aliases: dict[str, str] | None = None, max_rows: int = DEFAULT_MAX_ROWS
) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, with or without BOM; comma, semicolon or tab) or XLSX (first sheet) upload.

    `aliases` maps alternative normalised headers to the importer's names, e.g. {"lat": "latitude"}.
    Values are strings: XLSX numbers come back without a spurious ".0", dates as ISO dates.
    """
    name = getattr(uploaded_file, "name", "") or ""
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise TableError(_("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)})
    uploaded_file.seek(0)
    data = uploaded_file.read()
    if not data:
        raise TableError(_("The file is empty."))
    suffix = Path(name).suffix.lower()
    if suffix in XLSX_EXTENSIONS or data[:4] == b"PK\x03\x04":
        raw_rows = _xlsx_rows(data)
    elif suffix in CSV_EXTENSIONS or not suffix:
        raw_rows = _csv_rows(data)
    else:
        raise TableError(_("Upload a CSV or XLSX file."))
    return _to_dicts(raw_rows, aliases or {}, max_rows)


def _csv_rows(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TableError(_("The CSV file is not UTF-8 encoded: save it as “CSV UTF-8” and try again.")) from None
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return csv.reader(io.StringIO(text, newline=""), dialect)


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds of errors for a bad file
        raise TableError(_("The file could not be read as an XLSX workbook.")) from None
    sheet = workbook.worksheets[0]
    try:
        for values in sheet.iter_rows(values_only=True):
            yield [_cell_text(v) for v in values]
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time(0) else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _to_dicts(raw_rows, aliases: dict[str, str], max_rows: int) -> list[dict[str, str]]:
    iterator = iter(raw_rows)
    header: list[str] | None = None
    line = 0
    for values in iterator:
        line += 1
        if any(str(v).strip() for v in values):
            header = [aliases.get(normalise_header(v), normalise_header(v)) for v in values]
            break
    if header is None:
        raise TableError(_("The file has no header row."))
    seen = [h for h in header if h]
    duplicates = sorted({h for h in seen if seen.count(h) > 1})
    if duplicates:
        raise TableError(_("These columns appear twice: %(cols)s.") % {"cols": ", ".join(duplicates)})
    rows = []
    for values in iterator:
        line += 1
        if not any(str(v).strip() for v in values):
            continue
        if len(rows) >= max_rows:
            raise TableError(_("The file has more than %(n)s rows; split it.") % {"n": max_rows})
        row = {h: (str(values[i]).strip() if i < len(values) else "") for i, h in enumerate(header) if h}
        row[ROW] = line
        rows.append(row)
    return rows


def missing_columns(rows: list[dict], required: list[str]) -> list[str]:
    """The required columns absent from the table (checked on the first row; all rows share a header)."""
    if not rows:
        return []
    return [c for c in required if c not in rows[0]]


# --- value parsers: each raises ValueError with a message for the report ------------------------


def parse_int(value: str, *, minimum: int | None = None) -> int | None:
    """'1 200' / '1,200' / '1200' -> 1200; '' -> None."""
    text = re.sub(r"[\s,_]", "", value or "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("“%(v)s” is not a whole number.") % {"v": value}) from None
    if number != number.to_integral_value():
        raise ValueError(_("“%(v)s” is not a whole number.") % {"v": value})
    if minimum is not None and number < minimum:
        raise ValueError(_("%(v)s is below the minimum of %(min)s.") % {"v": value, "min": minimum})
    return int(number)


def parse_decimal(
    value: str, *, minimum: Decimal | int | None = None, maximum: Decimal | int | None = None, places: int = 6
) -> Decimal | None:
    """'12,5' or '12.5' -> Decimal('12.5') rounded to `places`; '' -> None; range-checked when asked."""
    text = (value or "").strip().replace(" ", "")
    if not text:
        return None
    if text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(_("“%(v)s” is not a number.") % {"v": value}) from None
    if not number.is_finite():
        raise ValueError(_("“%(v)s” is not a number.") % {"v": value})
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise ValueError(
            _("%(v)s is outside the range %(min)s to %(max)s.") % {"v": value, "min": minimum, "max": maximum}
        )
    return number.quantize(Decimal(1).scaleb(-places))


DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y")


def parse_date(value: str) -> datetime.date | None:
    """ISO dates, or day/month/year as most missions write them; '' -> None."""
    text = (value or "").strip()
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    raise ValueError(_("“%(v)s” is not a date (use YYYY-MM-DD).") % {"v": value})


# --- keeping an upload between preview and confirmation ----------------------------------------


def _stash_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _session_key(key: str) -> str:
    return f"import:{key}"


def stash_upload(request, key: str, uploaded_file) -> str:
    """Keep `uploaded_file` on disk for a later confirmation; its token goes in the session under `key`."""
    discard_stashed(request, key)
    suffix = Path(getattr(uploaded_file, "name", "") or "").suffix.lower()
    suffix = suffix if suffix in CSV_EXTENSIONS | XLSX_EXTENSIONS else ""
    token = f"{uuid.uuid4().hex}{suffix}"
    uploaded_file.seek(0)
    (_stash_dir() / token).write_bytes(uploaded_file.read())
    request.session[_session_key(key)] = {"token": token, "name": getattr(uploaded_file, "name", token)}
    _purge_old_stashes()
    return token


def open_stashed(request, key: str) -> SimpleUploadedFile | None:
    """The file kept by `stash_upload` for `key` in this session, or None."""
    entry = request.session.get(_session_key(key))
    if not entry:
        return None
    path = _stash_dir() / Path(entry["token"]).name  # the name only: never a path from the session
    if not path.exists():
        return None
    return SimpleUploadedFile(entry["name"], path.read_bytes())


def discard_stashed(request, key: str) -> None:
    entry = request.session.pop(_session_key(key), None)
    if entry:
        (_stash_dir() / Path(entry["token"]).name).unlink(missing_ok=True)


def _purge_old_stashes() -> None:
    # Abandoned previews would pile up otherwise; a preview older than STASH_MAX_AGE is stale anyway.
    cutoff = datetime.datetime.now().timestamp() - STASH_MAX_AGE.total_seconds()
    for path in _stash_dir().iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue
