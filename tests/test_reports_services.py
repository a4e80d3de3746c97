"""Report generation, sign-off, retries and schedules, through the services (tasks run in-process)."""

import datetime
import hashlib
import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.utils import timezone
from openpyxl import load_workbook

from benchmarks.models import Status
from missions.models import Component
from reports import documents, rendering, services, tasks
from reports.models import PaperSize, Report, ReportKind, ReportSchedule, report_folder
from tests.factories import AssessmentFactory, ElectionPlanFactory
from tests.reports_support import PERIOD_END, PERIOD_START, build_engagements, build_plan, eager_tasks  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]
Kind = Component.Kind


def request(user, mission, capture, kind=ReportKind.PROGRESS, **extra):
    with capture(execute=True):
        report = services.report_request(
            mission=mission, kind=kind, period_start=PERIOD_START, period_end=PERIOD_END, user=user, **extra
        )
    report.refresh_from_db()
    return report


def folder_files(report):
    folder = Path(default_storage.path(report_folder(report)))
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def plan(mission, hom, components):
    return build_plan(mission, hom, components)


def test_request_queues_the_report_and_enqueues_generation_only_after_commit(
    mission, hom, plan, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        report = services.report_request(
            mission=mission, kind=ReportKind.PROGRESS, period_start=PERIOD_START, period_end=PERIOD_END, user=hom
        )
        assert Report.objects.get(pk=report.pk).state == Report.State.QUEUED
    assert len(callbacks) == 1  # the task is sent once the transaction commits, not before
    assert Report.objects.get(pk=report.pk).state == Report.State.QUEUED
    callbacks[0]()
    assert Report.objects.get(pk=report.pk).state == Report.State.DONE


def test_generated_report_stores_pdf_with_checksum_size_pages_and_an_xlsx(
    mission, hom, plan, django_capture_on_commit_callbacks
):
    report = request(hom, mission, django_capture_on_commit_callbacks)
    assert report.state == Report.State.DONE and report.progress == 100 and report.error == ""
    content = report.file.read()
    assert content.startswith(b"%PDF")
    assert report.sha256 == hashlib.sha256(content).hexdigest()
    assert report.size_bytes == len(content)
    assert report.page_count >= 8  # cover, contents and one page per chapter
    assert report.data_as_of is not None
    workbook = load_workbook(io.BytesIO(report.xlsx_file.read()))
    assert "Benchmarks" in workbook.sheetnames
    assert workbook["Benchmarks"].max_row == len(plan) + 1  # a header and every benchmark
    assert folder_files(report) == sorted([Path(report.file.name).name, Path(report.xlsx_file.name).name])


def test_a4_and_letter_paper(mission, hom, plan, django_capture_on_commit_callbacks):
    report = request(hom, mission, django_capture_on_commit_callbacks)
    assert render_pdf(report).page_size_pt == (595.3, 841.9)  # 210 x 297 mm
    report.paper_size = PaperSize.LETTER
    assert render_pdf(report).page_size_pt == (612.0, 792.0)  # 8.5 x 11 in


def render_pdf(report):
    return rendering.html_to_pdf(documents.render_document(report, report.snapshot.body_html))


def test_a_redelivered_task_for_a_done_report_changes_nothing(mission, hom, plan, django_capture_on_commit_callbacks):
    report = request(hom, mission, django_capture_on_commit_callbacks)
    path = Path(report.file.path)
    before = (report.sha256, path.stat().st_mtime_ns, report.attempts)
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert (report.sha256, path.stat().st_mtime_ns, report.attempts) == before


def test_rerunning_an_interrupted_report_replaces_its_files_and_leaves_no_second_file(
    mission, hom, plan, django_capture_on_commit_callbacks
):
    report = request(hom, mission, django_capture_on_commit_callbacks)
    names = folder_files(report)
    # As if a worker died after writing: the report is back to running, with a half-written temporary file,
    # and the broker redelivers its task after the visibility timeout (when the run is known to be dead).
    died = timezone.now() - datetime.timedelta(seconds=settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"])
    Report.objects.filter(pk=report.pk).update(state=Report.State.RUNNING, progress=60, started_at=died)
    Path(default_storage.path(report_folder(report)), f".{names[0]}.4242.tmp").write_bytes(b"%PDF-half")
    services.report_generate(report_id=report.pk)
    report.refresh_from_db()
    assert report.state == Report.State.DONE
    assert folder_files(report) == names
    assert hashlib.sha256(Path(report.file.path).read_bytes()).hexdigest() == report.sha256


def test_failure_records_a_clear_reason_and_retry_generates_the_report(
    mission, hom, plan, django_capture_on_commit_callbacks, settings, tmp_path
):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the media folder should be")
    settings.MEDIA_ROOT = blocked
    report = request(hom, mission, django_capture_on_commit_callbacks)
    assert report.state == Report.State.FAILED
    assert "could not be generated" in report.error and "Error" in report.error
    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=True):
        services.report_retry(report=report, user=hom)
    report.refresh_from_db()
    assert report.state == Report.State.DONE and report.error == ""


def test_retry_is_refused_unless_the_report_failed(mission, hom, plan, django_capture_on_commit_callbacks):
    report = request(hom, mission, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        services.report_retry(report=report, user=hom)


def test_hom_approves_then_releases_and_hq_receives_the_very_file_that_was_approved(
    mission, hom, plan, django_capture_on_commit_callbacks
):
    report = request(hom, mission, django_capture_on_commit_callbacks)
    draft_sha, pages = report.sha256, report.page_count
    with django_capture_on_commit_callbacks(execute=True):
        services.report_approve(report=report, user=hom)
    report.refresh_from_db()
    assert report.approval == Report.Approval.APPROVED and report.state == Report.State.DONE
    assert report.sha256 != draft_sha and report.page_count == pages  # new stamp, same document
    assert report.approved_sha256 == report.sha256
    approved_bytes = Path(report.file.path).read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_release(report=report, user=hom)
    report.refresh_from_db()
    assert report.approval == Report.Approval.RELEASED and report.state == Report.State.DONE
    assert report.released_by == hom
    assert report.sha256 == report.approved_sha256
    assert Path(report.file.path).read_bytes() == approved_bytes
    assert len(folder_files(report)) == 2


def test_release_refuses_a_file_that_is_not_the_approved_one(mission, hom, plan, django_capture_on_commit_callbacks):
    report = request(hom, mission, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_approve(report=report, user=hom)
    Report.objects.filter(pk=report.pk).update(sha256="f" * 64)
    report.refresh_from_db()
    with pytest.raises(ValidationError):
        services.report_release(report=report, user=hom)
    report.refresh_from_db()
    assert report.approval == Report.Approval.APPROVED


def test_released_report_is_immutable(mission, hom, plan, django_capture_on_commit_callbacks):
    report = request(hom, mission, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_approve(report=report, user=hom)
    report.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.report_release(report=report, user=hom)
    report.refresh_from_db()
    final = (report.sha256, Path(report.file.path).read_bytes())
    services.report_generate(report_id=report.pk)
    for service in (services.report_approve, services.report_release, services.report_retry):
        with pytest.raises(ValidationError):
            service(report=report, user=hom)
    report.refresh_from_db()
    assert (report.sha256, Path(report.file.path).read_bytes()) == final


def test_only_the_hom_signs_off(mission, hom, mlt, electoral, plan, django_capture_on_commit_callbacks):
    report = request(hom, mission, django_capture_on_commit_callbacks)
    for user in (mlt, electoral):
        with pytest.raises(PermissionDenied):
            services.report_approve(report=report, user=user)
    report.refresh_from_db()
    assert report.approval == Report.Approval.DRAFT


def test_release_needs_approval_first(mission, hom, plan, django_capture_on_commit_callbacks):
    report = request(hom, mission, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="Approve"):
        services.report_release(report=report, user=hom)


def test_changes_are_measured_from_the_previous_report_period_end(
    mission, hom, plan, django_capture_on_commit_callbacks
):
    # First report: January. Status then was on track for all (assessed 1 Dec); February turned half off track.
    first = services.report_request(
        mission=mission, kind=ReportKind.PROGRESS, period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 1, 31), user=hom,
    )  # fmt: skip
    services.report_generate(report_id=first.pk)
    second = request(hom, mission, django_capture_on_commit_callbacks)
    html = second.snapshot.body_html
    assert "31 Jan 2026" in html  # the previous report's period end is the reference date
    changes = html.split('id="changes"')[1].split('id="attention"')[0]
    assert changes.count('<span class="down">▼</span>') == len(plan) // 2  # every other benchmark went off track
    assert '<span class="up">' not in changes


def test_election_security_report_needs_a_security_role(
    mission, hom, electoral, civilaffairs, django_capture_on_commit_callbacks
):
    election = ElectionPlanFactory(mission=mission)
    with pytest.raises(PermissionDenied):
        request(civilaffairs, mission, django_capture_on_commit_callbacks, kind=ReportKind.ELECTION_SECURITY,
                election_plan=election)  # fmt: skip
    report = request(electoral, mission, django_capture_on_commit_callbacks, kind=ReportKind.ELECTION_SECURITY,
                     election_plan=election)  # fmt: skip
    assert report.state == Report.State.DONE


def test_election_security_report_requires_an_election_of_the_mission(
    mission, other_mission, electoral, django_capture_on_commit_callbacks
):
    with pytest.raises(ValidationError) as missing:
        request(electoral, mission, django_capture_on_commit_callbacks, kind=ReportKind.ELECTION_SECURITY)
    assert "election_plan" in missing.value.message_dict
    foreign = ElectionPlanFactory(mission=other_mission)
    with pytest.raises(ValidationError):
        request(electoral, mission, django_capture_on_commit_callbacks, kind=ReportKind.ELECTION_SECURITY,
                election_plan=foreign)  # fmt: skip


def test_partners_and_hq_cannot_request_reports(mission, partner1, hq, django_capture_on_commit_callbacks):
    for user in (partner1, hq):
        with pytest.raises(PermissionDenied):
            request(user, mission, django_capture_on_commit_callbacks)
    assert not Report.objects.exists()


def test_partner_summary_lists_the_engagements_of_the_period(
    mission, civilaffairs, components, partner_a, django_capture_on_commit_callbacks
):
    build_engagements(mission, components[Kind.CIVIL_AFFAIRS], [partner_a], civilaffairs, count=3,
                      summary="Dialogue with elders of Kora.")  # fmt: skip
    report = request(civilaffairs, mission, django_capture_on_commit_callbacks, kind=ReportKind.PARTNER_SUMMARY)
    assert report.state == Report.State.DONE
    assert report.snapshot.body_html.count("Dialogue with elders of Kora.") == 3


def test_monthly_schedule_makes_one_draft_per_period_for_the_hom(
    mission, hom, plan, django_capture_on_commit_callbacks
):
    ReportSchedule.objects.create(mission=mission)
    today = datetime.date(2026, 4, 1)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.reports_generate_scheduled(today=today)
        again = services.reports_generate_scheduled(today=today)
    assert len(first) == 1 and again == []
    report = Report.objects.get()
    assert (report.period_start, report.period_end) == (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    assert report.scheduled and report.requested_by == hom
    assert report.approval == Report.Approval.DRAFT and report.state == Report.State.DONE


def test_disabled_schedule_makes_nothing(mission, hom, django_capture_on_commit_callbacks):
    ReportSchedule.objects.create(mission=mission, enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.reports_generate_scheduled(today=datetime.date(2026, 4, 1)) == []


def test_status_before_uses_the_latest_assessment_as_of_the_reference_date(
    mission, hom, plan, django_capture_on_commit_callbacks
):
    # A correction dated before the period counts as the status before, whatever was entered later.
    AssessmentFactory(benchmark=plan[0], assessed_on=datetime.date(2025, 12, 20), status=Status.AT_RISK,
                      progress=20, assessed_by=hom)  # fmt: skip
    report = request(hom, mission, django_capture_on_commit_callbacks)
    body = report.snapshot.body_html
    first_row = body.split('id="changes"')[1].split(plan[0].statement)[1].split("</tr>")[0]
    assert "At risk" in first_row


def test_a_report_no_worker_finished_in_time_can_be_retried(mission, hom, plan, django_capture_on_commit_callbacks):
    report = services.report_request(
        mission=mission, kind=ReportKind.PROGRESS, period_start=PERIOD_START, period_end=PERIOD_END, user=hom
    )  # the task is never sent: on_commit callbacks do not run here
    report.refresh_from_db()
    with pytest.raises(ValidationError):
        services.report_retry(report=report, user=hom)  # queued a moment ago: a worker may still take it
    long_ago = timezone.now() - datetime.timedelta(hours=2)
    Report.objects.filter(pk=report.pk).update(state=Report.State.RUNNING, updated_at=long_ago)
    report.refresh_from_db()
    assert report.is_stalled
    with django_capture_on_commit_callbacks(execute=True):
        services.report_retry(report=report, user=hom)
    report.refresh_from_db()
    assert report.state == Report.State.DONE


def test_beat_task_requests_the_monthly_reports(mission, hom, plan, django_capture_on_commit_callbacks):
    ReportSchedule.objects.create(mission=mission)
    with django_capture_on_commit_callbacks(execute=True):
        created = tasks.generate_scheduled_reports.apply().get()
    assert created == 1
    assert Report.objects.get().scheduled
