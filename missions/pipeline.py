"""The one import pipeline: upload -> match the columns -> preview -> confirm, for every kind of bulk import.

Polling sites (`elections.importers`), partners (`partners.importers`) and administrative areas (the
gazetteer) are *importers* on this pipeline. The pipeline owns everything they share: reading the file
once, the column matching (guessed from English and French names, remembered per mission and kind), the
background job with its progress, the grouped error report and its CSV, the all-or-nothing write.

Writing an importer
-------------------
Subclass `Importer`, describe the fields, write `validate` and `apply`, and register an instance when the
app is ready (`AppConfig.ready`: `from myapp import importers`, the module calls `register(MyImporter())`)::

    class SiteImporter(Importer):
        kind = "sites"                          # unique; names the remembered mapping and the job
        label = _("polling sites")
        fields = [
            Field("code", _("Site code"), required=True, aliases=("site_code", "code_bv", "code_du_bureau")),
            Field("district", _("District"), aliases=("admin2name_en", "cercle")),
            ...
        ]
        update_key = _("the site code")         # what identifies an existing row in "create and update" mode

        def target(self, job): ...             # what the rows go into (a security plan); Http404 if gone
        def allowed(self, user, target): ...    # ask mandate.access (e.g. access.can_add(user, PollingSite, plan))
        def validate(self, *, target, rows, mode, report, progress) -> Plan: ...
        def apply(self, *, target, plan, user, progress) -> None: ...
        def done_url(self, target) -> str: ...  # where the user goes after the import
        def upload_url(self, target) -> str: ...  # the page that starts an import of this kind

`validate` reads `rows` (an iterable of dicts keyed by *field name*, each with its source line under
`ROW`; values are stripped strings, "" when empty or not mapped), records every problem on `report`
(`report.add(line, field_name, message, kind=_("Unknown district"), value=raw)`: problems are grouped by
field and kind), and returns a `Plan`: what to create, what to update (opaque to the pipeline), how many
rows are unchanged, a few rows for the preview table (`sample`, under `sample_columns`) and warnings that
do not stop the import, counted by reason (`flags`, shown under `flags_title`). It must not
write. It runs outside any transaction, at preview, and again at confirm unless the preview's plan can
be reused (below).

Reusing the preview at confirm: an importer that implements `snapshot(target)` (a small, cheap summary
of what its plan depends on in the database, e.g. a count, the highest id and the sum of versions of the
target's rows), `freeze(plan)` (the plan as plain data: tuples of str, int, Decimal, dates, None) and
`thaw(target, frozen)` gets its preview's plan back at confirm instead of a second validation, when the
snapshot reads the same as before the preview (taken before the rows were checked, so a change during
the preview counts too). Anything else, or an importer without a snapshot, validates again.

`apply` gets the plan of a validation without errors and writes it. The pipeline runs it inside one
`transaction.atomic()`, so an exception anywhere rolls everything back (never a half-done import), and
keeps the transaction short: everything slow belongs in `validate`. Use bulk writes with history
(`simple_history.utils.bulk_create_with_history` / `bulk_update_with_history`). `progress(done, total)`
may be called as often as you like; the pipeline throttles it.

Areas in rows are resolved with `missions.areas.AreaResolver` (P-code, or parent + name, suggestions).

Services
--------
- `import_job_start(mission=, kind=, user=, upload=, target_id=None)`: keeps the upload, creates the job,
  reads the file in the background (a Celery task; in-process where tasks run eagerly).
- `import_job_map(job=, user=, columns=, mode=)`: the user's column matching (remembered) -> preview.
- `import_job_confirm(job=, user=)`: the import itself, in the background.
- `import_job_run(job_id=, step=)`: what the task runs; idempotent. An in-process step (the embedded
  default) hands its memory back to the system when it ends (`release_memory`).
- `import_job_progress(job)`: {"status", "done", "total", ...} for the status endpoint.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime
import gc
import gzip
import json
import pickle
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from missions.exports import FORMULA_START
from missions.imports import ROW, TableError, TableLimits, normalise_header, read_grid, remove_files_older_than
from missions.languages import language_for, supported
from missions.models import ColumnMapping, ImportJob, Mission

EXAMPLES_PER_GROUP = 5
SAMPLE_ROWS = 20
JOB_FILES_MAX_AGE_DAYS = 7
# The pipeline reads national lists in one upload (issue 10): 200,000 rows and some room.
PIPELINE_LIMITS = TableLimits(rows=250_000, columns=100, cells=5_000_000, seconds=180.0)

Progress = Callable[[int, int], None]


# --- the importer interface ---------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One field an importer reads. `aliases` are header spellings (any case or accents; English and French)
    that mean this field; the name itself and the label always match too."""

    name: str
    label: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    help: str = ""

    def spellings(self) -> list[str]:
        return [normalise_header(s) for s in (self.name, str(self.label), *self.aliases)]


@dataclass
class Plan:
    """What a validation found to do. `creates` and `updates` are the importer's own (the pipeline only counts
    them); `sample` holds the first rows as they will be imported, as text, under the importer's
    `sample_columns`."""

    creates: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    unchanged: int = 0
    sample: list[list[str]] = field(default_factory=list)
    # Warnings that do not stop the import, counted by reason: [{"kind", "label", "count"}] (the sites'
    # coordinates that look wrong); the preview shows them under the importer's `flags_title`.
    flags: list[dict] = field(default_factory=list)
    # What the import writes besides the rows, for the page once it is done (e.g. "812 boundaries").
    note: str = ""


# Group titles every importer's report uses, and the preview's "Action" column.
MISSING = gettext_lazy("Missing value")
TOO_LONG = gettext_lazy("Value too long")
NEW = gettext_lazy("new")
UPDATE = gettext_lazy("update")
UNCHANGED = gettext_lazy("unchanged")


def planned_change(plan: Plan, pk: int, changes: dict):
    """Counts an existing row of "create and update" mode: an update when `changes` ({field: new value})
    is not empty, else unchanged. Returns the preview's "Action" label."""
    if changes:
        plan.updates.append((pk, changes))
        return UPDATE
    plan.unchanged += 1
    return UNCHANGED


def numbered(rows: Sequence[dict], progress: Progress | None) -> Iterator[tuple[int, dict]]:
    """(source line, row) for each row, reporting progress every 2,000 rows and at the end."""
    total = len(rows)
    for index, row in enumerate(rows):
        if progress and index % 2000 == 0:
            progress(index, total)
        yield row[ROW], row
    if progress:
        progress(total, total)


@dataclass(frozen=True)
class KeyMessages:
    """What `RowKeys` says, in the importer's words (lazy translations; `%(code)s` or `%(name)s` is the
    row's value, `%(row)s` and `%(name)s` in `duplicate` the first row with it and its spelling there,
    `%(n)s` the length allowed)."""

    missing: str
    too_long: str
    duplicate: str
    duplicate_kind: str
    exists: str
    exists_kind: str


class RowKeys:
    """The column that identifies an importer's rows (a site's code, a partner's name): given, not too long,
    once in the file, and in "create only" mode none that exists already. `existing` maps folded keys to
    whatever the importer keeps of the saved rows; `fold` makes the key ("BV-1" and "bv-1" are one)."""

    def __init__(self, *, column: str, max_length: int, existing: dict, mode: str, messages: KeyMessages, fold=None):
        self.column, self.max_length, self.existing, self.messages = column, max_length, existing, messages
        self.update = mode == ImportJob.Mode.UPDATE
        self.fold = fold or str.casefold
        self._first: dict[str, tuple[int, str]] = {}

    def check(self, report: Report, line: int, value: str):
        """Records on `report` what is wrong with `value` as the key of the row on `line`; returns what
        `existing` holds for it (None for a new row)."""
        key = self.fold(value)
        current = self.existing.get(key)
        say = self.messages
        if not value:
            report.add(line, self.column, say.missing, kind=MISSING)
        elif len(value) > self.max_length:
            report.add(line, self.column, say.too_long % {"n": self.max_length}, kind=TOO_LONG, value=value[:50])
        elif key in self._first:
            row, first = self._first[key]
            report.add(
                line,
                self.column,
                say.duplicate % {"code": value, "row": row, "name": first},
                kind=say.duplicate_kind,
                value=value,
            )
        elif current is not None and not self.update:
            report.add(
                line, self.column, say.exists % {"code": value, "name": value}, kind=say.exists_kind, value=value
            )
        if value:
            self._first.setdefault(key, (line, value))
        return current


class Importer:
    """Base class of an importer; see the module docstring."""

    kind: str = ""
    label: str = ""
    fields: Sequence[Field] = ()
    update_key: str = ""
    sample_columns: Sequence[str] = ()
    flags_title: str = ""

    def target(self, job: ImportJob):
        raise NotImplementedError

    def allowed(self, user, target) -> bool:
        raise NotImplementedError

    def validate(self, *, target, rows: Iterable[dict], mode: str, report: Report, progress: Progress) -> Plan:
        raise NotImplementedError

    def apply(self, *, target, plan: Plan, user, progress: Progress) -> None:
        raise NotImplementedError

    def without_table(self, target) -> bool:
        """Whether a job of this kind may come with no table, only attachments (the gazetteer's GeoJSON of
        boundaries alone): it then has no rows and no matching, and goes straight to its check."""
        return False

    def snapshot(self, target):
        """What the plan depends on in the database, cheap to read and comparable with ==; None (the
        default): the confirm validates every row again."""
        return None

    def freeze(self, plan: Plan):
        """`plan` as plain data for `thaw` (see the module docstring); only called when `snapshot` is not None."""
        raise NotImplementedError

    def thaw(self, *, target, frozen) -> Plan:
        raise NotImplementedError

    def done_url(self, target) -> str:
        raise NotImplementedError

    def upload_url(self, target) -> str:
        raise NotImplementedError

    def field(self, name: str) -> Field:
        return next(f for f in self.fields if f.name == name)


_REGISTRY: dict[str, Importer] = {}


def register(importer: Importer) -> Importer:
    """Makes `importer` available to the pipeline under its `kind` (call it once, when its app is ready)."""
    _REGISTRY[importer.kind] = importer
    return importer


def importer_for(kind: str) -> Importer:
    return _REGISTRY[kind]


# --- the report -----------------------------------------------------------------------------------


class Report:
    """Every problem of an import, grouped by field and kind, with the first rows of each group kept for
    the page and every problem kept for the CSV download."""

    def __init__(self, total_rows: int = 0):
        self.total_rows = total_rows
        self.problems: list[tuple[int | None, str, str, str, str]] = []  # row, field, kind, value, message
        self._groups: dict[tuple[str, str], dict] = {}
        self._rows: set[int] = set()

    def add(self, row: int | None, column: str, message: str, *, kind: str = "", value: str = "") -> None:
        """`kind` names the group (e.g. "Unknown district"); `message` says what is wrong with this row."""
        kind = str(kind or message)
        self.problems.append((row, column, kind, value, str(message)))
        if row is not None:
            self._rows.add(row)
        group = self._groups.setdefault((column, kind), {"column": column, "kind": kind, "count": 0, "examples": []})
        group["count"] += 1
        if len(group["examples"]) < EXAMPLES_PER_GROUP:
            group["examples"].append({"row": row, "value": value, "message": str(message)})

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def error_rows(self) -> int:
        return len(self._rows)

    def groups(self) -> list[dict]:
        """Largest groups first; file-level problems (no row) on top."""
        return sorted(
            self._groups.values(), key=lambda g: (g["examples"][0]["row"] is not None, -g["count"], g["kind"])
        )

    def summary(self) -> dict:
        return {
            "total_rows": self.total_rows,
            "error_count": len(self.problems),
            "error_rows": self.error_rows,
            "groups": self.groups(),
        }


# --- files of a job -------------------------------------------------------------------------------


def _jobs_dir() -> Path:
    # A folder of its own: missions.imports purges VAR_DIR/imports/ after six hours, a job lives longer.
    path = Path(settings.VAR_DIR) / "imports" / "jobs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _path(job: ImportJob, what: str) -> Path:
    return _jobs_dir() / f"{Path(job.token).name}.{what}"


def _write_json(path: Path, data) -> None:
    temporary = path.with_suffix(".tmp")
    with gzip.open(temporary, "wt", encoding="utf-8", compresslevel=1) as handle:
        json.dump(data, handle, ensure_ascii=False, separators=(",", ":"))
    temporary.replace(path)


def _read_json(path: Path):
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


class _PlainUnpickler(pickle.Unpickler):
    """Reads back what `_write_plan` wrote, and nothing that would run code: plain containers, numbers,
    strings and these few value classes. The file is the server's own, in its private folder; this is the
    second lock on that door."""

    ALLOWED = {
        ("decimal", "Decimal"),
        ("datetime", "date"),
        ("datetime", "datetime"),
        ("datetime", "timedelta"),
        ("datetime", "timezone"),
    }

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not expected in an import plan")
        return super().find_class(module, name)


def _write_plan(job: ImportJob, data) -> None:
    path = _path(job, "plan.pickle.gz")
    temporary = path.with_suffix(".tmp")
    with gzip.open(temporary, "wb", compresslevel=1) as handle:
        pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
    temporary.replace(path)


def _read_plan(job: ImportJob):
    path = _path(job, "plan.pickle.gz")
    if not path.exists():
        return None
    try:
        with gzip.open(path, "rb") as handle:
            return _PlainUnpickler(handle).load()
    except (OSError, EOFError, pickle.UnpicklingError):
        return None  # damaged or from another version: the confirm validates again


def _purge_old_job_files() -> None:
    remove_files_older_than(_jobs_dir(), time.time() - JOB_FILES_MAX_AGE_DAYS * 86400)


def errors_of(job: ImportJob) -> list[list]:
    """Every problem of the job's last check: [row, field, kind, value, message] lists ([] when none kept)."""
    path = _path(job, "errors.json.gz")
    return _read_json(path) if path.exists() else []


# --- the column mapping ---------------------------------------------------------------------------


def guess_columns(importer: Importer, headers: Sequence[str], remembered: dict[str, str] | None = None) -> dict:
    """{field name: header index} for the fields a header matches: first what this mission confirmed last
    time (header -> field), then the field's name, label and aliases. A header serves one field at most."""
    normalised = [normalise_header(h) for h in headers]
    taken: set[int] = set()
    columns: dict[str, int] = {}
    known = {f.name for f in importer.fields}
    for header, name in (remembered or {}).items():
        if name in known and name not in columns and header in normalised:
            index = normalised.index(header)
            if index not in taken:
                columns[name] = index
                taken.add(index)
    for f in importer.fields:
        if f.name in columns:
            continue
        for spelling in f.spellings():
            if spelling in normalised and normalised.index(spelling) not in taken:
                columns[f.name] = normalised.index(spelling)
                taken.add(columns[f.name])
                break
    return columns


def _unguarded(value: str) -> str:
    """A cell as the user typed it: our exports quote text that would run as a formula ("'=x"), and reading
    such an export back must give "=x", or a round trip would change the row."""
    if value.startswith("'") and value[1:].lstrip().startswith(FORMULA_START):
        return value[1:]
    return value


class MappedRows:
    """The rows of a job as `Importer.validate` reads them: dicts keyed by field name, made one at a time
    as they are read (a national list's 200,000 dicts are never all held at once), with their count
    (`len`) and `filled`, the fields that are not empty on any row. It can be read more than once."""

    def __init__(self, grid: dict, columns: dict[str, int], importer: Importer):
        self._grid, self._columns = grid, columns
        self._names = [f.name for f in importer.fields]
        self.filled = {
            name
            for name, index in columns.items()
            if name in self._names and any(values[index] for values in grid["rows"])
        }

    def __len__(self) -> int:
        return len(self._grid["rows"])

    def __iter__(self) -> Iterator[dict]:
        columns, names = self._columns, self._names
        for line, values in zip(self._grid["lines"], self._grid["rows"], strict=True):
            row = {name: (_unguarded(values[columns[name]]) if name in columns else "") for name in names}
            row[ROW] = line
            yield row


# --- progress -------------------------------------------------------------------------------------


def _progress_key(job_id: int) -> str:
    return f"import-job:{job_id}:progress"


def _beat_key(job_id: int) -> str:
    return f"import-job:{job_id}:beat"


def _beat(job_id: int) -> None:
    """The step is alive: written when it starts and with its progress (the cache every process shares)."""
    cache.set(_beat_key(job_id), time.time(), 3600)


class _Throttled:
    """A `progress(done, total)` callable writing at most twice a second to the cache (not the database:
    inside the import's transaction a database write would be invisible to the page until the end)."""

    def __init__(self, job_id: int, start: float = 0.0, end: float = 1.0):
        self.job_id, self.start, self.end = job_id, start, end
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last < 0.5 and done < total:
            return
        self._last = now
        fraction = self.start + (self.end - self.start) * (done / total if total else 1)
        cache.set(_progress_key(self.job_id), round(fraction * 1000), 3600)
        _beat(self.job_id)


def import_job_progress(job: ImportJob) -> dict:
    """What the page's progress bar shows: the job's status and, while it runs, how far it is (per mille)."""
    permille = 1000 if not job.is_running else (cache.get(_progress_key(job.pk)) or 0)
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": job.get_status_display(),
        "running": job.is_running,
        "permille": permille,
        # The keys every progress view shares (static/js/progress.js).
        "done": not job.is_running,
        "percent": round(permille / 10),
        "total_rows": job.total_rows,
        "created": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "message": job.message,
    }


# --- services -------------------------------------------------------------------------------------


def _enqueue(job: ImportJob, step: str) -> None:
    job_id = job.pk

    def send():
        from missions.tasks import run_import_job

        run_import_job.delay(job_id, step)

    transaction.on_commit(send)


def _new_job(*, mission: Mission, kind: str, user, name: str, target_id: int | None) -> ImportJob:
    return ImportJob(
        mission=mission,
        kind=kind,
        target_id=target_id,
        user=user if getattr(user, "pk", None) else None,
        token=uuid.uuid4().hex,
        file_name=(name or "upload")[:255],
        status=ImportJob.Status.PARSING,
    )


def import_job_start(
    *,
    mission: Mission,
    kind: str,
    user,
    upload,
    target_id: int | None = None,
    auto: bool = False,
    mode: str = ImportJob.Mode.CREATE,
    attachments: dict | None = None,
) -> ImportJob:
    """Keeps `upload` under VAR_DIR/imports/jobs/ and starts reading it in the background.

    The caller has checked that `user` may import `kind` into the target (importer.allowed). `upload` may
    be None for a kind that works without a table (`Importer.without_table`, e.g. boundaries alone). The file is
    written to disk in chunks (a 20 MB upload is never held in memory here). `attachments` ({suffix: upload})
    are kept beside it as `<token>.<suffix>` before anything runs (the gazetteer's GeoJSON). With `auto` (the
    API), no one matches the columns nor confirms: the guessed matching is checked in `mode` and, when no row
    has an error, imported; a file with errors ends FAILED with its grouped report.
    """
    importer = importer_for(kind)
    _purge_old_job_files()
    files = dict(attachments or {})
    if upload is not None:
        files = {f"upload{Path(getattr(upload, 'name', '') or '').suffix.lower()[:6]}": upload, **files}
    named = upload if upload is not None else next(iter(files.values()), None)
    job = _new_job(mission=mission, kind=importer.kind, user=user, name=getattr(named, "name", ""), target_id=target_id)
    job.auto_confirm, job.mode = auto, mode
    job.language = supported(translation.get_language()) or ""
    for what, attached in files.items():
        with _path(job, what).open("wb") as handle:
            for chunk in attached.chunks() if hasattr(attached, "chunks") else [attached.read()]:
                handle.write(chunk)
    with transaction.atomic():
        job.save()
        _enqueue(job, "parse")
    return job


def import_job_map(*, job: ImportJob, user, columns: dict[str, int], mode: str) -> ImportJob:
    """Records the user's column matching (and remembers it for the mission and kind), then checks every row
    in the background. `columns` is {field name: header index}; the caller validated it (required fields
    present, each header once)."""
    importer = importer_for(job.kind)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status not in {ImportJob.Status.MAPPING, ImportJob.Status.PREVIEWED, ImportJob.Status.FAILED}:
            return job
        if not _path(job, "rows.json.gz").exists():
            return _fail(job, _("The file of this import is no longer kept; upload it again."))
        job.mapping = {name: int(index) for name, index in columns.items()}
        job.mode = mode
        job.language = supported(translation.get_language()) or job.language  # the page's, if it changed
        job.status = ImportJob.Status.CHECKING
        job.message = ""
        job.save(update_fields=["mapping", "mode", "language", "status", "message", "updated_at"])
        remembered = {normalise_header(job.headers[i]): name for name, i in job.mapping.items()}
        ColumnMapping.objects.update_or_create(
            mission_id=job.mission_id, kind=importer.kind, defaults={"columns": remembered}
        )
        cache.delete(_progress_key(job.pk))
        _enqueue(job, "check")
    return job


def import_job_confirm(*, job: ImportJob, user) -> ImportJob:
    """Starts the import of a previewed job without errors (in the background); anything else is left as is."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.status != ImportJob.Status.PREVIEWED or job.report.get("error_count"):
            return job
        job.status = ImportJob.Status.IMPORTING
        job.message = ""
        job.save(update_fields=["status", "message", "updated_at"])
        cache.delete(_progress_key(job.pk))
        _enqueue(job, "import")
    return job


def import_file(*, mission: Mission, kind: str, path: Path, mode: str, user, target_id: int | None = None) -> ImportJob:
    """The whole pipeline at once, in this process, for a management command: read `path`, match the columns
    as the pages would guess them (the mission's remembered matching first), check, and import if every row
    is right. Returns the job: DONE with its counts, or FAILED with its message and grouped report."""
    importer = importer_for(kind)
    path = Path(path)
    job = _new_job(mission=mission, kind=importer.kind, user=user, name=path.name, target_id=target_id)
    job.mode = mode
    job.save()
    source = _path(job, f"upload{path.suffix.lower()[:6]}")
    source.write_bytes(path.read_bytes())
    _parse(job)
    job.refresh_from_db()
    if job.status != ImportJob.Status.MAPPING:
        return job
    job.status = ImportJob.Status.IMPORTING
    job.save(update_fields=["status", "updated_at"])
    _import(job, user=user, previewed=False)
    job.refresh_from_db()
    return job


def remembered_columns(job: ImportJob) -> dict[str, str]:
    saved = ColumnMapping.objects.filter(mission_id=job.mission_id, kind=job.kind).first()
    return saved.columns if saved else {}


def import_job_run(*, job_id: int, step: str) -> None:
    """Runs one step of a job: "parse" (read the file once), "check" (validate every row: the preview) or
    "import" (validate again, then write everything in one short transaction). A step whose job is no longer
    at that stage does nothing, so a redelivered task is harmless. Failures end in status FAILED with a
    message; the parsed rows are kept so the user can fix the matching or confirm again."""
    expected = {
        "parse": ImportJob.Status.PARSING,
        "check": ImportJob.Status.CHECKING,
        "import": ImportJob.Status.IMPORTING,
    }[step]
    job = ImportJob.objects.filter(pk=job_id, status=expected).first()
    if job is None:
        return
    _beat(job.pk)
    # What the step writes for its uploader to read (the preview's columns, reasons, messages) is in their
    # language, the page's when they uploaded or matched the columns (job.language): a worker, or the
    # background thread, has no request to take it from.
    with translation.override(job.language or language_for(job.user, job.mission)):
        try:
            {"parse": _parse, "check": _check, "import": _import}[step](job)
        except OperationalError:
            raise  # e.g. "database is locked" past the busy timeout: the task retries, the job keeps its rows
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, the user must learn it from the page
            _fail(
                job,
                _("The import stopped on an unexpected error (%(error)s); nothing was imported.")
                % {"error": type(exc).__name__},
            )
            raise
        finally:
            _release_memory()


def _release_memory() -> None:
    """Hands the memory of a step's rows back to the system. A 200,000-row step builds millions of small
    objects; once freed, glibc keeps their pages for the process unless asked (`malloc_trim`), and the web
    process (whose background thread runs the steps without a broker) would stay 150 MB larger."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc (macOS, musl): nothing to ask
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def import_job_interrupted(*, job_id: int, step: str, message: str = "") -> int:
    """A step that could not run to its end (its task gave up, e.g. on a database kept locked by a long
    write, or its worker died: `import_jobs_release_stalled`): the job goes back to where the user can start
    that step again; its parsed rows are kept. `message` (default: the database was busy) says why."""
    back = {
        "parse": ImportJob.Status.FAILED,
        "check": ImportJob.Status.MAPPING,
        "import": ImportJob.Status.PREVIEWED,
    }[step]
    running = {
        "parse": ImportJob.Status.PARSING,
        "check": ImportJob.Status.CHECKING,
        "import": ImportJob.Status.IMPORTING,
    }
    message = message or (
        _("The file could not be read this time; upload it again.")
        if step == "parse"
        else _("The database was busy and nothing was written; start this step again.")
    )
    return ImportJob.objects.filter(pk=job_id, status=running[step]).update(
        status=back, message=message, updated_at=timezone.now()
    )


STEP_OF_STATUS = {
    ImportJob.Status.PARSING: "parse",
    ImportJob.Status.CHECKING: "check",
    ImportJob.Status.IMPORTING: "import",
}


def _stall_seconds() -> int:
    # The reports' rule (settings.REPORT_STALL_SECONDS): a live task never runs past the hard time limit, so
    # a step queued or started longer ago than that, plus a minute, has lost its worker.
    return settings.REPORT_STALL_SECONDS


def import_job_is_stalled(job: ImportJob) -> bool:
    """A running job no worker is going to finish: its step was queued longer ago than a live step can
    last, and has given no sign of life (progress) for as long (a step in the web process's background
    thread has no time limit, but beats while it works)."""
    if not job.is_running or job.updated_at is None:
        return False
    limit = _stall_seconds()
    if timezone.now() - job.updated_at < datetime.timedelta(seconds=limit):
        return False
    beat = cache.get(_beat_key(job.pk))
    return beat is None or time.time() - beat > limit


def import_job_release_if_stalled(job: ImportJob) -> ImportJob:
    """The job, put back a step (rows kept, a message saying why) when its worker died; as is otherwise.
    The job's page and status call it, so a job stuck "running" never needs the beat below to move."""
    if not import_job_is_stalled(job):
        return job
    step = STEP_OF_STATUS[job.status]
    message = (
        _("The worker reading the file stopped before the end; upload the file again.")
        if step == "parse"
        else _("The worker running this step stopped before the end; nothing was written. Start this step again.")
    )
    import_job_interrupted(job_id=job.pk, step=step, message=message)
    job.refresh_from_db()
    return job


def import_jobs_release_stalled() -> list[int]:
    """Every stalled job released (`import_job_release_if_stalled`); their ids. Celery beat runs it every
    minute next to the reports' `requeue_stalled_reports` (missions.tasks.release_stalled_import_jobs)."""
    cutoff = timezone.now() - datetime.timedelta(seconds=_stall_seconds())
    released = []
    for job in ImportJob.objects.filter(status__in=list(ImportJob.RUNNING), updated_at__lt=cutoff):
        if import_job_release_if_stalled(job).status not in ImportJob.RUNNING:
            released.append(job.pk)
    return released


def _fail(job: ImportJob, message: str, **fields) -> ImportJob:
    job.status = ImportJob.Status.FAILED
    job.message = message
    job.finished_at = timezone.now()
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=["status", "message", "finished_at", "updated_at", *fields])
    return job


def _parse(job: ImportJob) -> None:
    importer = importer_for(job.kind)
    sources = sorted(_jobs_dir().glob(f"{job.token}.upload*"))
    if not sources and importer.without_table(importer.target(job)):
        _write_json(_path(job, "rows.json.gz"), {"lines": [], "rows": []})
        _parsed(job, headers=[], total_rows=0, mapping={})
        return
    if not sources:
        _fail(job, _("The uploaded file is no longer kept; upload it again."))
        return
    source = sources[0]
    try:
        with source.open("rb") as handle:
            upload = _NamedFile(handle, name=job.file_name, size=source.stat().st_size)
            grid = read_grid(upload, limits=PIPELINE_LIMITS)
    except TableError as exc:
        _fail(job, str(exc))
        source.unlink(missing_ok=True)
        return
    if not grid.rows:
        _fail(job, _("The file has no data rows."))
        source.unlink(missing_ok=True)
        return
    _write_json(_path(job, "rows.json.gz"), {"lines": grid.lines, "rows": grid.rows})
    source.unlink(missing_ok=True)
    _parsed(
        job,
        headers=grid.headers,
        total_rows=len(grid.rows),
        mapping=guess_columns(importer, grid.headers, remembered_columns(job)),
    )


def _parsed(job: ImportJob, *, headers: list[str], total_rows: int, mapping: dict) -> None:
    """The file is read: on to the matching, or straight to the check (the API's jobs; a job without a
    table, which has nothing to match)."""
    job.headers, job.total_rows, job.mapping = headers, total_rows, mapping
    straight = job.auto_confirm or not headers
    job.status = ImportJob.Status.CHECKING if straight else ImportJob.Status.MAPPING
    with transaction.atomic():
        job.save(update_fields=["headers", "total_rows", "mapping", "status", "updated_at"])
        if straight:
            _enqueue(job, "check")


class _NamedFile:
    """A file on disk as read_grid expects an upload (name, size, seek, read)."""

    def __init__(self, handle, *, name: str, size: int):
        self._handle, self.name, self.size = handle, name, size

    def seek(self, offset):
        return self._handle.seek(offset)

    def read(self, n=-1):
        return self._handle.read(n)


def _validate(job: ImportJob, importer: Importer, target, progress: Progress) -> tuple[Report, Plan | None]:
    path = _path(job, "rows.json.gz")
    if not path.exists():
        return None, None
    grid = _read_json(path)
    report = Report(total_rows=len(grid["rows"]))
    missing = [f for f in importer.fields if f.required and f.name not in job.mapping]
    if missing:
        report.add(
            None,
            "",
            _("No column is matched to: %(fields)s.") % {"fields": ", ".join(str(f.label) for f in missing)},
            kind=_("Missing columns"),
        )
        return report, None
    plan = importer.validate(
        target=target,
        rows=MappedRows(grid, job.mapping, importer),
        mode=job.mode,
        report=report,
        progress=progress,
    )
    del grid
    _write_json(_path(job, "errors.json.gz"), [list(p) for p in report.problems])
    return report, plan


def _summary(report: Report, plan: Plan | None, importer: Importer) -> dict:
    summary = report.summary()
    summary["sample_columns"] = [str(c) for c in importer.sample_columns]
    summary["sample"] = plan.sample[:SAMPLE_ROWS] if plan else []
    summary["flags"] = plan.flags if plan else []
    summary["flags_title"] = str(importer.flags_title)
    summary["note"] = plan.note if plan else ""
    labels = {f.name: str(f.label) for f in importer.fields}
    for group in summary["groups"]:
        group["label"] = labels.get(group["column"], group["column"])
    return summary


def _counts(plan: Plan | None) -> dict:
    if plan is None:
        return {"created": 0, "updated": 0, "unchanged": 0}
    return {"created": len(plan.creates), "updated": len(plan.updates), "unchanged": plan.unchanged}


def _check(job: ImportJob) -> None:
    importer = importer_for(job.kind)
    target = importer.target(job)
    _path(job, "plan.pickle.gz").unlink(missing_ok=True)
    snapshot = importer.snapshot(target)  # before the rows are checked: a change while they are counts
    report, plan = _validate(job, importer, target, _Throttled(job.pk))
    if report is None:
        _fail(job, _("The file of this import is no longer kept; upload it again."))
        return
    if snapshot is not None and report.ok and plan is not None:
        frozen = {"snapshot": snapshot, "mode": job.mode, "mapping": job.mapping, "plan": importer.freeze(plan)}
        _write_plan(job, frozen)
        del frozen
    job.report = _summary(report, plan, importer)
    for name, value in _counts(plan).items():
        setattr(job, name, value)
    if job.auto_confirm and not report.ok:
        _fail(job, _("Nothing was imported: the file has errors."), report=job.report)
        return
    job.status = ImportJob.Status.IMPORTING if job.auto_confirm else ImportJob.Status.PREVIEWED
    with transaction.atomic():
        job.save(update_fields=["report", "created", "updated", "unchanged", "status", "updated_at"])
        if job.auto_confirm:
            _enqueue(job, "import")


def _import(job: ImportJob, user=None, *, previewed: bool = True) -> None:
    """`user` defaults to the job's uploader; a management command passes its actor (access.SYSTEM) and
    `previewed=False` (there was no preview to differ from)."""
    importer = importer_for(job.kind)
    user = user or job.user
    target = importer.target(job)
    plan = _previewed_plan(job, importer, target) if previewed else None
    if plan is not None:
        report = Report(total_rows=job.total_rows)
    else:
        report, plan = _validate(job, importer, target, _Throttled(job.pk, 0.0, 0.5))
    if report is None:
        _fail(job, _("The file of this import is no longer kept; upload it again."))
        return
    if not report.ok:
        # The data changed since the preview (e.g. a colleague added a site with the same code).
        job.report = _summary(report, plan, importer)
        message = (
            _("The data changed since the preview; nothing was imported. See the errors below.")
            if previewed
            else _("Nothing was imported: the file has errors.")
        )
        _fail(job, message, report=job.report)
        return
    try:
        with transaction.atomic():
            importer.apply(target=target, plan=plan, user=user, progress=_Throttled(job.pk, 0.5, 1.0))
    except IntegrityError:
        _fail(job, _("The data changed during the import; nothing was imported. Check the file again."))
        return
    counts = _counts(plan)
    done = {"report": {**(job.report or {}), "note": plan.note}} if plan.note else {}
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.DONE,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
        message="",
        **counts,
        **done,
    )
    _path(job, "rows.json.gz").unlink(missing_ok=True)
    _path(job, "plan.pickle.gz").unlink(missing_ok=True)


def _previewed_plan(job: ImportJob, importer: Importer, target) -> Plan | None:
    """The preview's plan, when nothing it depends on changed since (the importer's snapshot reads the
    same, for the same matching and mode); else None, and the confirm validates every row again."""
    frozen = _read_plan(job)
    if frozen is None or frozen.get("mode") != job.mode or frozen.get("mapping") != job.mapping:
        return None
    if importer.snapshot(target) != frozen["snapshot"]:
        return None
    return importer.thaw(target=target, frozen=frozen["plan"])


RECENT_JOBS = 5


def recent_jobs(*, user, kind: str, target_id: int | None = None, mission_id: int | None = None) -> list[ImportJob]:
    """The user's last imports of `kind` into the target (or the mission), newest first: one query."""
    jobs = ImportJob.objects.filter(user=user, kind=kind)
    if target_id is not None:
        jobs = jobs.filter(target_id=target_id)
    if mission_id is not None:
        jobs = jobs.filter(mission_id=mission_id)
    return list(jobs.order_by("-created_at", "-id")[:RECENT_JOBS])
