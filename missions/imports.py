"""Reading tabular uploads (CSV or XLSX) for bulk imports, and reporting their errors row by row.

Shared by every importer in the project (polling sites in `elections`, partners in `partners`).
An importer does three things with this module:

1. `rows = read_table(uploaded_file, aliases={...})`: the rows of the first table in the file, as dicts
   keyed by normalised column names (see `normalise_header`), with string values (stripped; empty cells
   are ""). Each row also carries its line number in the source file under `ROW` ("_row"), so errors
   point at the line the user sees in their spreadsheet. Blank rows are skipped. Raises `TableError`
   (with a user-facing message) when the file cannot be read as a table at all, or goes past a limit
   of `TableLimits` (size, rows, columns, cells, reading time: an upload must not be able to hold a worker).
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
import time
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

ROW = "_row"  # key of the source line number in every row dict
DEFAULT_MAX_ROWS = 50_000
STASH_MAX_AGE = datetime.timedelta(hours=6)

CSV_EXTENSIONS = {".csv", ".txt"}
XLSX_EXTENSIONS = {".xlsx", ".xlsm"}


class TableError(Exception):
    """The upload cannot be read as a table (wrong format, empty, no header, too large)."""


@dataclass(frozen=True)
class TableLimits:
    """How much of an upload `read_table` reads before refusing it.

    Rows, columns and cells count blank ones too: a sheet can declare (and openpyxl then yields) a million
    empty rows of 16,384 empty cells from a file of 1.5 KB, and reading those is what must be refused.
    The byte sizes come from settings (`IMPORT_MAX_BYTES`, `IMPORT_MAX_UNCOMPRESSED_BYTES`) when not given.
    """

    rows: int = DEFAULT_MAX_ROWS  # data rows; with the header and blank rows, lines up to `rows + 1`
    columns: int = 200
    cells: int = 2_000_000  # lines x columns as read, blank cells included
    upload_bytes: int | None = None  # the file as uploaded
    uncompressed_bytes: int | None = None  # an XLSX's members, as its zip directory declares them
    seconds: float = 15.0  # time spent turning the file into rows

    def resolved(self) -> TableLimits:
        return replace(
            self,
            upload_bytes=self.upload_bytes or settings.IMPORT_MAX_BYTES,
            uncompressed_bytes=self.uncompressed_bytes or settings.IMPORT_MAX_UNCOMPRESSED_BYTES,
        )


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f}" if n >= 1024 * 1024 else f"{n / (1024 * 1024):.2f}"


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
    uploaded_file,
    *,
    aliases: dict[str, str] | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    limits: TableLimits | None = None,
) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, with or without BOM; comma, semicolon or tab) or XLSX (first sheet) upload.

    `aliases` maps alternative normalised headers to the importer's names, e.g. {"lat": "latitude"}.
    Values are strings: XLSX numbers come back without a spurious ".0", dates as ISO dates.
    `limits` (default: `TableLimits(rows=max_rows)`) bound the work; past one, `TableError` says which.
    Values with control characters (NUL and the like, which PostgreSQL or a later export would choke on)
    are refused here, with their rows, so that a preview never promises an import that cannot happen.
    """
    limits = (limits or TableLimits(rows=max_rows)).resolved()
    return _to_dicts(_raw_rows(uploaded_file, limits), aliases or {}, limits)


@dataclass
class Grid:
    """A table as `read_grid` gives it: the header as written, then rows of strings with their source lines.

    Lists rather than dicts: a national list of 200,000 rows costs a third of the memory, and the import
    pipeline (missions.pipeline) maps columns by position after the user has matched them.
    """

    headers: list[str]
    lines: list[int]
    rows: list[list[str]]


def read_grid(uploaded_file, *, limits: TableLimits | None = None) -> Grid:
    """The first table of a CSV or XLSX upload, with the same reading rules and limits as `read_table`,
    but the header kept as written (no aliases; repeated headers allowed, columns are told apart by
    position) and each row a list as long as the header."""
    limits = (limits or TableLimits()).resolved()
    header: list[str] | None = None
    lines, rows = [], []
    for line, values in _lines(_raw_rows(uploaded_file, limits), limits):
        if header is None:
            header = [str(v).strip() for v in values]
            continue
        width = len(header)
        cells = [str(v).strip() for v in values[:width]]
        if len(cells) < width:
            cells += [""] * (width - len(cells))
        lines.append(line)
        rows.append(cells)
    if header is None:
        raise TableError(_("The file has no header row."))
    return Grid(headers=header, lines=lines, rows=rows)


def _raw_rows(uploaded_file, limits: TableLimits):
    name = getattr(uploaded_file, "name", "") or ""
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limits.upload_bytes:
        raise TableError(_("The file is larger than %(mb)s MB.") % {"mb": _mb(limits.upload_bytes)})
    uploaded_file.seek(0)
    data = uploaded_file.read(limits.upload_bytes + 1)
    if len(data) > limits.upload_bytes:
        raise TableError(_("The file is larger than %(mb)s MB.") % {"mb": _mb(limits.upload_bytes)})
    if not data:
        raise TableError(_("The file is empty."))
    suffix = Path(name).suffix.lower()
    if suffix in XLSX_EXTENSIONS or data[:4] == b"PK\x03\x04":
        return _xlsx_rows(data, limits)
    if suffix in CSV_EXTENSIONS or not suffix:
        return _csv_rows(data)
    raise TableError(_("Upload a CSV or XLSX file."))


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
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error:
            # e.g. a field past csv.field_size_limit() (128 KB): a broken quote swallowing the rest of the file.
            raise TableError(
                _("Row %(row)s of the CSV file cannot be read (an unclosed quote or a field that is too long).")
                % {"row": reader.line_num}
            ) from None
        yield values


def _xlsx_rows(data: bytes, limits: TableLimits):
    """The first sheet's rows, after checking what the workbook declares (unpacked size, the sheet's range).

    openpyxl's read-only mode pads every row to the declared range and yields every row up to its end;
    the declared range is checked first, then forgotten (`reset_dimensions`), so that a row is as long as
    its last cell and the rows stop at the last one present; `_to_dicts` counts what comes.
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    unreadable = TableError(_("The file could not be read as an XLSX workbook."))
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise unreadable from None
    # zipfile never unpacks a member past the size the directory declares, so this sum bounds the work.
    unpacked = sum(member.file_size for member in members)
    if unpacked > limits.uncompressed_bytes:
        raise TableError(
            _("The workbook unpacks to %(size)s MB, more than the %(mb)s MB allowed; save the sheet as CSV.")
            % {"size": _mb(unpacked), "mb": _mb(limits.uncompressed_bytes)}
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds of errors for a bad file
        raise unreadable from None
    try:
        rows, columns = sheet.max_row or 0, sheet.max_column or 0
        if rows > limits.rows + 1 or columns > limits.columns or rows * columns > limits.cells:
            raise TableError(
                _(
                    "The first sheet declares a range of %(rows)s rows and %(cols)s columns (up to %(cell)s); "
                    "the limits are %(max_rows)s rows, %(max_cols)s columns and %(max_cells)s cells. "
                    "Delete the unused rows and columns, or save the sheet as CSV."
                )
                % {
                    "rows": rows,
                    "cols": columns,
                    "cell": f"{get_column_letter(min(columns, 18278))}{rows}",
                    "max_rows": limits.rows + 1,
                    "max_cols": limits.columns,
                    "max_cells": limits.cells,
                }
            )
        sheet.reset_dimensions()
        values_by_row = sheet.iter_rows(values_only=True)
        while True:
            try:
                values = next(values_by_row)
            except StopIteration:
                return
            except Exception:  # noqa: BLE001 - a damaged sheet fails part-way with any kind of error
                raise unreadable from None
            if len(values) > limits.columns:
                # Checked here, before each value is turned into text: a row may reach column XFD.
                raise _too_many_columns(limits)
            yield [_cell_text(v) for v in values]
    finally:
        workbook.close()


def _too_many_columns(limits: TableLimits) -> TableError:
    return TableError(
        _("The file has more than %(n)s columns (empty ones included); delete the unused columns.")
        % {"n": limits.columns}
    )


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


# C0 controls and DEL, but tab, line feed and carriage return (which cells may hold).
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_ROWS_SHOWN = 5


def _lines(raw_rows, limits: TableLimits):
    """(line number, values) of the non-blank lines, counting every line (blank included), column and cell
    against `limits`; lines with control characters are refused together at the end."""
    deadline = time.monotonic() + limits.seconds
    max_lines = limits.rows + 1
    control_rows: list[int] = []
    line = cells = 0
    for values in raw_rows:
        line += 1
        cells += len(values)
        if len(values) > limits.columns:
            raise _too_many_columns(limits)
        if line > max_lines:
            raise TableError(
                _("The file has more than %(n)s rows (blank rows included); split it.") % {"n": limits.rows}
            )
        if cells > limits.cells:
            raise TableError(
                _("The file has more than %(n)s cells (empty ones included); split it.") % {"n": limits.cells}
            )
        if time.monotonic() > deadline:
            raise TableError(_("The file took too long to read; split it or save it as CSV."))
        if any(_CONTROL_CHARACTER.search(str(v)) for v in values):
            control_rows.append(line)
            continue
        if not any(str(v).strip() for v in values):
            continue
        yield line, values
    if control_rows:
        shown = ", ".join(str(n) for n in control_rows[:_CONTROL_ROWS_SHOWN])
        raise TableError(
            ngettext(
                "Row %(rows)s contains a control character (such as NUL); remove it and upload the file again.",
                "Rows %(rows)s contain control characters (such as NUL); remove them and upload the file again.",
                len(control_rows),
            )
            % {"rows": shown + (", …" if len(control_rows) > _CONTROL_ROWS_SHOWN else "")}
        )


def _to_dicts(raw_rows, aliases: dict[str, str], limits: TableLimits) -> list[dict[str, str]]:
    """Header + rows as dicts keyed by normalised (and aliased) header."""
    header: list[str] | None = None
    rows = []
    for line, values in _lines(raw_rows, limits):
        if header is None:
            header = [aliases.get(normalise_header(v), normalise_header(v)) for v in values]
            seen = [h for h in header if h]
            duplicates = sorted({h for h in seen if seen.count(h) > 1})
            if duplicates:
                raise TableError(_("These columns appear twice: %(cols)s.") % {"cols": ", ".join(duplicates)})
            continue
        row = {h: (str(values[i]).strip() if i < len(values) else "") for i, h in enumerate(header) if h}
        row[ROW] = line
        rows.append(row)
    if header is None:
        raise TableError(_("The file has no header row."))
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
    remove_files_older_than(_stash_dir(), datetime.datetime.now().timestamp() - STASH_MAX_AGE.total_seconds())


def remove_files_older_than(folder: Path, cutoff: float) -> None:
    """Delete the files of `folder` last modified before `cutoff` (a timestamp); one another process removed
    or still holds is left to the next pass."""
    for path in folder.iterdir():
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue
