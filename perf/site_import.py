"""Measure a national polling-site import through the pages (targets: the upload request < 2 s, preview +
confirm < 60 s, the process's memory back within 100 MB of where it started; on PostgreSQL).

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/mandate_perf
    .venv/bin/python perf/site_import.py [--rows 200000] [--xlsx] [--profile] [--celery]

The SCALE mission with the national gazetteer (`_setup.ensure_national`: 37 regions, 800 districts with
P-codes and boundaries, about 40% of district names repeated in another region) gets a throwaway election
plan. A messy polling-station list is written for its districts, as an election commission sends one:
French headers ("Code BV", "Nom du bureau", "Région", "Cercle", ...), accents and capitals that differ from
the gazetteer's ("SÉGOU", "segou"), districts named by P-code, by region + name, by region P-code + name,
or by name alone when unique; decimal commas and "1 200" voters; about 1% of the points on another
continent, 0.3% with latitude and longitude swapped, 0.2% in a neighbouring district; and a few hundred
wrong rows (misspelt district, shared name without its region, a latitude that is not a number, a code
twice, a name missing).

Through the Django test client as `scale_electoral` (every middleware, the forms, the job pages), with the
pipeline's steps in the web process's background thread (the embedded default: no broker), as a user
would see them:

1. the messy file: upload (the request's own time), reading, the preview with its grouped errors;
2. the corrected file (the wrong rows fixed): upload, reading, preview, confirm (create only);
3. the corrected file again with 2% of the coordinates fixed and 1% of the names changed, in "create and
   update" mode: created / updated / unchanged, which must be 0 / 3% / the rest.

Prints each step's time, the flagged coordinates by reason (against what the file holds) and the
process's resident memory before and after. `--celery` (with CELERY_BROKER_URL set) starts a worker for
the run, so the steps run there as in production, and prints the memory of both processes. `--profile`
writes a pyinstrument HTML profile of the confirm step next to the files (that step then runs inside its
request; `pip install pyinstrument` first, it is for perf only). The throwaway plan is deleted afterwards.
"""

from __future__ import annotations

import csv
import datetime
import gc
import os
import random
import sys
import tempfile
import time
import unicodedata
from collections import Counter
from pathlib import Path

import _setup  # noqa: E402

_setup.django_setup(VAR_DIR=tempfile.mkdtemp(prefix="mandate-perf-site-import-"), TASKS_IN_BACKGROUND="1")
sys.path.insert(0, str(_setup.ROOT))

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from elections.models import ElectionPlan, PollingSite, SecurityPlan  # noqa: E402
from mandate.management.national import OTHER_CONTINENTS, point_in_cell, synthetic_country  # noqa: E402
from missions import pipeline  # noqa: E402
from missions.areas import normalise_name  # noqa: E402
from missions.models import ImportJob, Location  # noqa: E402

UPLOAD_TARGET = 2.0
IMPORT_TARGET = 60.0
MEMORY_TARGET_MB = 100
USERNAME = "scale_electoral"
HEADERS = ["Code BV", "Nom du bureau", "Région", "Cercle", "admin2Pcode", "Localité", "Latitude", "Longitude",
           "Inscrits"]  # fmt: skip
PREFIXES = ["École primaire", "Mosquée", "Mairie", "Centre de santé", "Église Sainte-Thérèse", "Maison des jeunes",
            "Lycée", "Marché", "Préfecture", "Bureau n°"]  # fmt: skip
WRONG_EVERY = 1000  # one wrong row in this many, in the first file


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process (this one by default), in MB."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Worker:
    """`--celery`: a Celery worker (one process, `--pool=solo`, so its memory is one number) started for the
    run with this process's environment (database, broker, VAR_DIR), stopped at the end."""

    def __init__(self):
        import subprocess

        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=WARNING",
             "--without-heartbeat", "--without-mingle", "--without-gossip"],
            cwd=_setup.ROOT,
            env=os.environ.copy(),
        )  # fmt: skip
        from config.celery import app

        deadline = time.monotonic() + 120
        while not app.control.ping(timeout=1.0):
            if self.process.poll() is not None or time.monotonic() > deadline:
                sys.exit("the Celery worker did not start")

    def rss(self) -> float:
        return rss_mb(self.process.pid)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _spelling(name: str, rng: random.Random) -> str:
    """A district or region name as a commission's clerk types it: as is, in capitals, without accents."""
    draw = rng.random()
    if draw < 0.4:
        return name
    if draw < 0.6:
        return name.upper()
    if draw < 0.8:
        return _strip_accents(name).lower()
    return f"  {name} "


def _number(value: float, rng: random.Random) -> str:
    text = f"{value:.6f}"
    return text.replace(".", ",") if rng.random() < 0.3 else text


class Country:
    """The SCALE mission's districts (from the database) with the synthetic country's cells to draw points."""

    def __init__(self, mission):
        synthetic = {d.pcode: d for d in synthetic_country().districts}
        rows = Location.objects.filter(mission=mission, level="district").select_related("parent").order_by("pcode")
        self.districts = []
        for loc in rows:
            area = synthetic.get(loc.pcode)
            if area is None:
                sys.exit(f"district {loc.pcode} is not the synthetic country's: rebuild SCALE (seed_scale --national)")
            self.districts.append((loc, area))
        names = Counter(normalise_name(n) for d, _a in self.districts for n in {d.name, d.name_fr} - {""})
        self.shared = {n for n, k in names.items() if k > 1}
        self.weights = [1 + (i * 7919) % 13 for i in range(len(self.districts))]  # populous districts get more


def write_rows(country: Country, n: int, *, seed: int = 1) -> tuple[list[list[str]], dict]:
    """The messy list: rows (header first) and what was put in it (`truth`: wrong points and wrong rows)."""
    rng = random.Random(seed)
    picks = rng.choices(range(len(country.districts)), weights=country.weights, k=n)
    rows = [HEADERS]
    truth = {"other_continent": 0, "swapped": 0, "other_district": 0, "wrong_rows": {}}
    for i, k in enumerate(picks):
        loc, area = country.districts[k]
        region = loc.parent
        lat, lon = point_in_cell(rng.choice(area.cells), rng)
        draw = rng.random()
        if draw < 0.01:
            lat, lon = rng.choice(OTHER_CONTINENTS)
            lat, lon = lat + rng.uniform(-1, 1), lon + rng.uniform(-1, 1)
            truth["other_continent"] += 1
        elif draw < 0.013:
            lat, lon = lon, lat
            truth["swapped"] += 1
        elif draw < 0.015:
            _nloc, neighbour = country.districts[(k + 1) % len(country.districts)]
            lat, lon = point_in_cell(rng.choice(neighbour.cells), rng)
            truth["other_district"] += 1
        how = rng.random()
        name = loc.name_fr if loc.name_fr and rng.random() < 0.2 else loc.name
        if how < 0.3:  # P-code (with the name, which must agree)
            region_text, district_text, pcode = "", _spelling(name, rng), loc.pcode
        elif how < 0.4:  # P-code alone
            region_text, district_text, pcode = "", "", loc.pcode
        elif how < 0.7:  # region name + district name
            region_name = region.name_fr if region.name_fr and rng.random() < 0.3 else region.name
            region_text, district_text, pcode = _spelling(region_name, rng), _spelling(name, rng), ""
        elif how < 0.85:  # region P-code + district name
            region_text, district_text, pcode = region.pcode, _spelling(name, rng), ""
        elif not {normalise_name(loc.name), normalise_name(name)} & country.shared:  # the name alone, where unique
            region_text, district_text, pcode = "", _spelling(name, rng), ""
        else:
            region_text, district_text, pcode = region.name, name, ""
        voters = rng.randint(150, 1800)
        rows.append(
            [
                f"BV-{i + 1:06d}",
                f"{rng.choice(PREFIXES)} {_spelling(loc.name, rng).strip()} {i % 97 + 1}",
                region_text,
                district_text,
                pcode,
                f"Quartier {rng.choice(['Château', 'Gare', 'Marché', 'Hôpital', 'Plateau'])} {i % 31}",
                _number(lat, rng),
                _number(lon, rng),
                f"{voters:,}".replace(",", " ") if voters >= 1000 and rng.random() < 0.3 else str(voters),
            ]
        )
    # Wrong rows, a few hundred, of every kind the report groups.
    shared = [j for j in range(1, n + 1) if normalise_name(rows[j][3]) in country.shared and not rows[j][4]]
    for j in range(WRONG_EVERY // 2, n + 1, WRONG_EVERY):
        kind = (j // WRONG_EVERY) % 5
        original = list(rows[j])
        if kind == 0:
            rows[j][4], rows[j][3] = "", (rows[j][3] or country.districts[picks[j - 1]][0].name)[:-1] + "x"
            rows[j][2] = country.districts[picks[j - 1]][0].parent.name
        elif kind == 1 and shared:
            rows[j] = list(rows[shared[j % len(shared)]])
            original = list(rows[j])
            rows[j][0], rows[j][2] = f"BV-{j:06d}", ""
            original[0] = rows[j][0]
        elif kind == 2:
            rows[j][6] = "12.3.4"
        elif kind == 3:
            rows[j][0] = rows[j - 1][0]
            original = list(rows[j])
            original[0] = f"BV-{j:06d}"
        else:
            rows[j][1] = ""
        truth["wrong_rows"][j] = original
    return rows, truth


def corrected(rows: list[list[str]], truth: dict) -> list[list[str]]:
    fixed = [list(r) for r in rows]
    for j, original in truth["wrong_rows"].items():
        fixed[j] = list(original)
        fixed[j][0] = f"BV-{j:06d}"
    return fixed


def second_round(rows: list[list[str]], country: Country, *, seed: int = 2) -> tuple[list[list[str]], int]:
    """The corrected file with 2% of the points moved into their districts and 1% of the names changed."""
    rng = random.Random(seed)
    out = [list(r) for r in rows]
    changed = set()
    by_pcode = {loc.pcode: area for loc, area in country.districts}
    body = range(1, len(out))
    for j in rng.sample(body, len(out) // 50):
        pcode = out[j][4]
        if not pcode:
            continue
        lat, lon = point_in_cell(rng.choice(by_pcode[pcode].cells), rng)
        out[j][6], out[j][7] = f"{lat:.6f}", f"{lon:.6f}"
        changed.add(j)
    for j in rng.sample(body, len(out) // 100):
        out[j][1] = out[j][1] + " (annexe)"
        changed.add(j)
    return out, len(changed)


def save(rows: list[list[str]], folder: Path, name: str, fmt: str) -> Path:
    path = folder / f"{name}.{fmt}"
    if fmt == "csv":
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(rows)
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        for row in rows:
            sheet.append(row)
        workbook.save(path)
    return path


def wait(client: Client, job_id: int, *, until: set[str], timeout: float = 600.0) -> tuple[ImportJob, float]:
    start = time.perf_counter()
    url = reverse("import-job-status", args=[job_id])
    while True:
        status = client.get(url).json()["status"]
        if status in until or status in {ImportJob.Status.FAILED, ImportJob.Status.DONE}:
            return ImportJob.objects.get(pk=job_id), time.perf_counter() - start
        if time.perf_counter() - start > timeout:
            sys.exit(f"job {job_id} still {status} after {timeout:.0f} s")
        time.sleep(0.1)


def run(client: Client, plan: SecurityPlan, path: Path, *, mode: str, confirm: bool, profile: Path | None = None):
    """Upload -> read -> match (the guessed columns) -> preview [-> confirm]: the job and each step's time."""
    times = {}
    upload = SimpleUploadedFile(path.name, path.read_bytes())
    start = time.perf_counter()
    response = client.post(reverse("elections:site-import", args=[plan.pk]), {"file": upload})
    times["upload request"] = time.perf_counter() - start
    assert response.status_code == 302, response.status_code
    del upload
    job_id = int(response["Location"].rstrip("/").split("/")[-1])
    job, times["reading (background)"] = wait(client, job_id, until={ImportJob.Status.MAPPING})
    assert job.status == ImportJob.Status.MAPPING, (job.status, job.message)
    form = {f"field_{name}": str(index) for name, index in job.mapping.items()}
    form["mode"] = mode
    start, cpu = time.perf_counter(), time.process_time()
    response = client.post(reverse("import-job", args=[job_id]), form)
    assert response.status_code == 302, (response.status_code, response.content[:2000])
    job, elapsed = wait(client, job_id, until={ImportJob.Status.PREVIEWED})
    times["preview"] = time.perf_counter() - start
    times["preview, CPU of this process"] = time.process_time() - cpu
    page = client.get(reverse("import-job", args=[job_id]))
    assert page.status_code == 200
    times["preview page"] = len(page.content)
    if confirm and job.status == ImportJob.Status.PREVIEWED and not job.report.get("error_count"):
        profiler = _profiler() if profile else None
        start, cpu = time.perf_counter(), time.process_time()
        if profile:  # pyinstrument samples its own thread: the step runs inside the request this once
            settings.TASKS_IN_BACKGROUND = False
        client.post(reverse("import-job-confirm", args=[job_id]))
        settings.TASKS_IN_BACKGROUND = True
        job, _elapsed = wait(client, job_id, until={ImportJob.Status.DONE})
        times["confirm"] = time.perf_counter() - start
        times["confirm, CPU of this process"] = time.process_time() - cpu
        if profiler:
            profiler.stop()
            profile.write_text(profiler.output_html())
            profile.with_suffix(".txt").write_text(profiler.output_text(unicode=False, color=False, show_all=False))
            print(f"profile of the confirm: {profile}")
    return job, times


def _profiler():
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.005)
    profiler.start()
    return profiler


def report(label: str, job: ImportJob, times: dict) -> None:
    gc.collect()
    memory = f"process memory now {rss_mb():.0f} MB, {sys.getallocatedblocks()} Python blocks"
    print(f"\n{label}: job {job.pk} {job.status} {job.message} ({memory})")
    for name, value in times.items():
        if name == "preview page":
            print(f"  {name:24} {value / 1024:8.1f} KB")
        else:
            print(f"  {name:24} {value:8.2f} s")
    summary = job.report or {}
    print(f"  rows {job.total_rows}, errors {summary.get('error_count', 0)} on {summary.get('error_rows', 0)} rows")
    for group in summary.get("groups", [])[:8]:
        first = group["examples"][0]
        print(f"    {group['kind']} ({group['label']}): {group['count']}   e.g. row {first['row']}: {first['message']}")
    if job.status == ImportJob.Status.DONE:
        print(f"  created {job.created}, updated {job.updated}, unchanged {job.unchanged}")
    if summary.get("flags"):
        flags = ", ".join(f"{flag['kind']} {flag['count']}" for flag in summary["flags"])
        print(f"  flagged at preview: {flags}")


def main() -> None:
    n = int(sys.argv[sys.argv.index("--rows") + 1]) if "--rows" in sys.argv else 200_000
    fmt = "xlsx" if "--xlsx" in sys.argv else "csv"
    mission = _setup.ensure_national()
    user = get_user_model().objects.get(username=USERNAME)
    country = Country(mission)
    folder = Path(tempfile.mkdtemp(prefix="site-import-files-"))
    start = time.perf_counter()
    rows, truth = write_rows(country, n)
    messy = save(rows, folder, "messy", fmt)
    fixed_rows = corrected(rows, truth)
    fixed = save(fixed_rows, folder, "corrected", fmt)
    again_rows, changed = second_round(fixed_rows, country)
    again = save(again_rows, folder, "corrected-again", fmt)
    del rows, fixed_rows, again_rows
    print(
        f"{n} rows x3 written in {time.perf_counter() - start:.1f} s: {messy.stat().st_size / 1e6:.1f} MB {fmt}; "
        f"{len(country.districts)} districts, {len(country.shared)} names shared by several; in the file "
        f"{truth['other_continent']} points on other continents, {truth['swapped']} swapped, "
        f"{truth['other_district']} in a neighbouring district, {len(truth['wrong_rows'])} wrong rows"
    )

    election = ElectionPlan.objects.create(
        mission=mission,
        name="Perf: national site import",
        election_type=ElectionPlan.ElectionType.choices[0][0],
        polling_start=datetime.date.today() + datetime.timedelta(days=90),
        polling_end=datetime.date.today() + datetime.timedelta(days=90),
    )
    plan = SecurityPlan.objects.create(election_plan=election)
    client = Client()
    client.force_login(user)
    client.get(reverse("elections:site-import", args=[plan.pk]))  # warm: templates, URL resolver, the session
    worker = Worker() if "--celery" in sys.argv else None
    if worker is None and not settings.TASKS_IN_BACKGROUND:
        sys.exit("--celery needs CELERY_BROKER_URL; without it the steps run in this process's background thread")
    gc.collect()
    before = rss_mb()
    worker_before = worker.rss() if worker else 0.0
    vendor = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    where = f"a Celery worker, {worker_before:.0f} MB" if worker else "the web process's background thread"
    print(f"web process memory before: {before:.0f} MB, {sys.getallocatedblocks()} Python blocks ({vendor}; "
          f"steps in {where}); load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    try:
        job, times = run(client, plan, messy, mode=ImportJob.Mode.CREATE, confirm=True)
        report("1. messy file (create only)", job, times)
        assert job.report.get("error_count"), "the messy file should have been refused"

        profile = folder / "confirm-profile.html" if "--profile" in sys.argv else None
        job, times = run(client, plan, fixed, mode=ImportJob.Mode.CREATE, confirm=True, profile=profile)
        report("2. corrected file (create only)", job, times)
        first = times
        flagged = dict(
            PollingSite.objects.filter(security_plan=plan)
            .exclude(coordinates_issue="")
            .values_list("coordinates_issue")
            .annotate(n=Count("id"))
        )
        wrong = truth["other_continent"] + truth["swapped"] + truth["other_district"]
        print(f"  flagged sites stored: {sum(flagged.values())} {flagged} (the file has {wrong} wrong points)")

        job, times = run(client, plan, again, mode=ImportJob.Mode.UPDATE, confirm=True)
        report(f"3. corrected again, update mode ({changed} rows changed)", job, times)
        ok = (job.created, job.updated) == (0, changed) and job.unchanged == n - changed
        print(f"  only what changed updated: {'yes' if ok else 'NO'}")
        time.sleep(2)  # the background thread hands its memory back after it marks the job done
        gc.collect()
        after = rss_mb()
        total = first["preview"] + first.get("confirm", float("nan"))
        print("\nsummary")
        print(f"  upload request            {first['upload request']:6.2f} s (target < {UPLOAD_TARGET:.0f} s)")
        print(f"  reading in the background {first['reading (background)']:6.2f} s")
        print(f"  preview + confirm         {total:6.2f} s (target < {IMPORT_TARGET:.0f} s)")
        print(f"  read + preview + confirm  {total + first['reading (background)']:6.2f} s")
        print(f"  update round              {times['preview'] + times.get('confirm', 0):6.2f} s")
        print(f"  load average at the end   {os.getloadavg()[0]:.1f} (2 cores, shared: wall times stretch with it)")
        print(
            f"  web process memory before {before:.0f} MB, after {after:.0f} MB: {after - before:+.0f} MB "
            f"(target within {MEMORY_TARGET_MB} MB)"
        )
        if worker:
            worker_after = worker.rss()
            print(
                f"  worker memory before {worker_before:.0f} MB, after {worker_after:.0f} MB: "
                f"{worker_after - worker_before:+.0f} MB"
            )
    finally:
        if worker:
            worker.stop()
        jobs = ImportJob.objects.filter(target_id=plan.pk, kind="sites")
        for job in jobs:
            for path in pipeline._jobs_dir().glob(f"{job.token}.*"):
                path.unlink(missing_ok=True)
        jobs.delete()
        PollingSite.history.filter(security_plan_id=plan.pk).delete()
        election.delete()


if __name__ == "__main__":
    with _setup.unhashed_static():
        main()
