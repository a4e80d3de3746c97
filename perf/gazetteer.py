"""Measure a national gazetteer import (target: 800 districts with boundaries under 30 s, on PostgreSQL).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/mandate_perf
    .venv/bin/python perf/gazetteer.py [--xlsx] [--subdistricts]

Writes the synthetic country of `seed_scale --national` (37 regions, 800 districts; with --subdistricts
3,200 sub-districts too) as an OCHA-style table and a GeoJSON of every level's boundaries
(`mandate.management.national.write_cod_files`), then times, into a fresh mission GAZPERF:

1. the first import (table + boundaries): every area created, every boundary validated, simplified, stored;
2. a re-import of the same files (everything unchanged; boundaries stored again);
3. a re-import of a table where 40 districts were renamed (updated) and 5 added (created).

Each step runs the service the command, the API and the pipeline share (`mandate.gazetteer.locations_import`),
checks plus writes, in one transaction. The GAZPERF mission is deleted afterwards.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from pathlib import Path

import _setup  # noqa: E402

_setup.django_setup(VAR_DIR=tempfile.mkdtemp(prefix="mandate-perf-gazetteer-"))
sys.path.insert(0, str(_setup.ROOT))

import datetime  # noqa: E402

from mandate import access  # noqa: E402
from mandate.gazetteer import locations_import  # noqa: E402
from mandate.management.national import synthetic_country, write_cod_files  # noqa: E402
from missions.models import Location, Mission  # noqa: E402

TARGET_SECONDS = 30.0
DETAIL = 60  # extra vertices on every edge of the boundary file
ACRONYM = "GAZPERF"


def _import(mission, table: Path, boundaries: Path | None):
    with table.open("rb") as t:
        if boundaries is None:
            return locations_import(mission=mission, user=access.SYSTEM, table=t)
        with boundaries.open("rb") as b:
            return locations_import(mission=mission, user=access.SYSTEM, table=t, boundaries=b)


def _timed(label: str, mission, table: Path, boundaries: Path | None) -> float:
    start = time.perf_counter()
    result = _import(mission, table, boundaries)
    elapsed = time.perf_counter() - start
    assert result.imported, result.summary()
    print(f"{label:44} {elapsed:6.2f} s   {result.summary()}")
    return elapsed


def _edited(table: Path, folder: Path) -> Path:
    with table.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    name = header.index("admin2Name_en")
    code = header.index("admin2Pcode")
    renamed = sorted({row[code] for row in body})[::20][:40]
    for row in body:
        if row[code] in renamed:  # every row of the district (one per sub-district in a three-level table)
            row[name] = row[name] + " Ville"
    extra = []
    for k in range(5):
        row = list(body[k])
        row[name], row[code] = f"Nouveau {k}", f"{row[code][:4]}9{k}"
        extra.append(row[: code + 1])
    out = folder / "edited.csv"
    with out.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(body + extra)
    return out


def main() -> None:
    subdistricts = "--subdistricts" in sys.argv
    fmt = "xlsx" if "--xlsx" in sys.argv else "csv"
    folder = Path(tempfile.mkdtemp(prefix="gazetteer-files-"))
    start = time.perf_counter()
    country = synthetic_country(subdistricts=subdistricts)
    # Edges as detailed as a real COD boundary file's (tens of vertices each), so simplification has work to do.
    table, boundaries = write_cod_files(country, folder, fmt=fmt, detail=DETAIL)
    print(
        f"files written in {time.perf_counter() - start:.1f} s: {table.name} {table.stat().st_size / 1e6:.2f} MB, "
        f"{boundaries.name} {boundaries.stat().st_size / 1e6:.2f} MB "
        f"({len(country.regions)} regions, {len(country.districts)} districts, "
        f"{len(country.subdistricts)} sub-districts)"
    )
    Mission.objects.filter(acronym=ACRONYM).delete()
    mission = Mission.objects.create(
        name="Gazetteer perf", acronym=ACRONYM, host_country="Scaleland", start_date=datetime.date(2026, 1, 1)
    )
    try:
        first = _timed("first import (table + boundaries)", mission, table, boundaries)
        _timed("same files again (all unchanged)", mission, table, boundaries)
        if fmt == "csv":
            _timed("40 districts renamed, 5 added (table only)", mission, _edited(table, folder), None)
        stored = Location.objects.filter(mission=mission).exclude(boundary="")
        sizes = [len(b) for b in stored.values_list("boundary", flat=True)]
        print(f"boundaries stored: {len(sizes)}, {sum(sizes) / 1e6:.2f} MB of text, largest {max(sizes) / 1e3:.1f} KB")
        print(f"first import: {first:.1f} s (target < {TARGET_SECONDS:.0f} s)")
    finally:
        Location.objects.filter(mission=mission, level="subdistrict").delete()
        Location.objects.filter(mission=mission, level="district").delete()
        Location.objects.filter(mission=mission).delete()
        mission.delete()


if __name__ == "__main__":
    main()
