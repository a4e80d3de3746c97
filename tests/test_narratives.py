"""Mandate tasks, narratives and their validation, evidence attachments, HQ's comments, and the progress report
built on them (issue 13's journey: components write, the MLT validates one and returns one, the HoM writes the
overview, the report is ordered by mandate task, HQ comments and the HoM answers)."""

import datetime
import io
import re
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from benchmarks.models import OperationalOutput
from missions.concurrency import ConcurrentEditError
from missions.models import Component
from narratives import evidence, selectors, services
from narratives.models import Attachment, MandateTask, Narrative, Rating
from reports import documents
from reports import services as report_services
from reports.models import Report, ReportComment, ReportKind, SectionsBy
from tests.factories import BenchmarkFactory, OutputFactory
from tests.reports_support import PERIOD_END, PERIOD_START, eager_tasks  # noqa: F401

pytestmark = pytest.mark.django_db
Kind = Component.Kind
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
Q1 = selectors.Period(PERIOD_START, PERIOD_END)


@pytest.fixture
def outputs(mission, components):
    return {
        "ca": OutputFactory(mission=mission, title="Host Country Engaged", order=1,
                            lead_component=components[Kind.CIVIL_AFFAIRS]),
        "el": OutputFactory(mission=mission, title="Elections Held", order=2,
                            lead_component=components[Kind.ELECTORAL]),
    }  # fmt: skip


def write(user, output, **texts):
    values = {"progress": "Dialogue resumed.", "challenges": "Roads cut.", "next_steps": "Extend.",
              "rating": Rating.SOME_PROGRESS, **texts}  # fmt: skip
    return services.narrative_save(user=user, output=output, period_start=Q1.start, period_end=Q1.end, **values)


# --- workflow --------------------------------------------------------------------------------------------


def test_lead_component_writes_submits_and_the_mlt_validates_which_freezes_the_narrative(civilaffairs, mlt, outputs):
    narrative = write(civilaffairs, outputs["ca"])
    narrative = services.narrative_submit(user=civilaffairs, narrative=narrative, expected_version=narrative.version)
    narrative = services.narrative_review(
        user=mlt, narrative=narrative, expected_version=narrative.version, validate=True
    )

    assert narrative.status == Narrative.Status.VALIDATED and narrative.reviewed_by == mlt
    with pytest.raises(ValidationError):
        write(civilaffairs, outputs["ca"], progress="Rewritten after validation")
    narrative.progress = "Changed behind the service's back"
    with pytest.raises(ValidationError):
        narrative.save()
    assert Narrative.objects.get(pk=narrative.pk).progress == "Dialogue resumed."
    assert [h.status for h in narrative.history.order_by("history_date")] == ["draft", "submitted", "validated"]


def test_returning_needs_a_comment_and_gives_the_narrative_back_to_its_writer(civilaffairs, mlt, outputs):
    narrative = write(civilaffairs, outputs["ca"])
    narrative = services.narrative_submit(user=civilaffairs, narrative=narrative, expected_version=narrative.version)
    with pytest.raises(ValidationError) as refused:
        services.narrative_review(user=mlt, narrative=narrative, expected_version=narrative.version, validate=False)
    assert "review_comment" in refused.value.message_dict

    narrative = services.narrative_review(
        user=mlt, narrative=narrative, expected_version=narrative.version, validate=False, comment="Add figures."
    )
    assert narrative.status == Narrative.Status.RETURNED and narrative.review_comment == "Add figures."
    again = write(civilaffairs, outputs["ca"], progress="With figures.", expected_version=narrative.version)
    assert again.status == Narrative.Status.RETURNED and again.progress == "With figures."


def test_submitting_an_incomplete_narrative_names_the_missing_parts(civilaffairs, outputs):
    narrative = write(civilaffairs, outputs["ca"], next_steps="", rating="")
    with pytest.raises(ValidationError) as refused:
        services.narrative_submit(user=civilaffairs, narrative=narrative, expected_version=narrative.version)
    assert set(refused.value.message_dict) == {"next_steps", "rating"}


def test_only_the_lead_component_writes_and_only_the_leadership_validates(
    civilaffairs, electoral, mlt, hom, hq, outputs
):
    with pytest.raises(PermissionDenied):
        write(electoral, outputs["ca"])
    with pytest.raises(PermissionDenied):
        write(hq, outputs["ca"])
    narrative = write(civilaffairs, outputs["ca"])
    narrative = services.narrative_submit(user=civilaffairs, narrative=narrative, expected_version=narrative.version)
    for user in (civilaffairs, electoral):
        with pytest.raises(PermissionDenied):
            services.narrative_review(user=user, narrative=narrative, expected_version=narrative.version, validate=True)
    validated = services.narrative_review(
        user=hom, narrative=narrative, expected_version=narrative.version, validate=True
    )
    assert validated.status == Narrative.Status.VALIDATED


def test_an_mlt_member_leading_another_area_cannot_validate(mission, components, civilaffairs, outputs):
    from tests.conftest import _member

    force_commander = _member("force", mission, "mlt", component=components[Kind.MILITARY])
    narrative = write(civilaffairs, outputs["ca"])
    narrative = services.narrative_submit(user=civilaffairs, narrative=narrative, expected_version=narrative.version)
    with pytest.raises(PermissionDenied):
        services.narrative_review(
            user=force_commander, narrative=narrative, expected_version=narrative.version, validate=True
        )


def test_two_writers_at_once_the_second_gets_a_conflict_and_nothing_is_lost(civilaffairs, mlt, outputs):
    narrative = write(civilaffairs, outputs["ca"])
    write(mlt, outputs["ca"], progress="MLT's edit", expected_version=narrative.version)
    with pytest.raises(ConcurrentEditError):
        write(civilaffairs, outputs["ca"], progress="Stale edit", expected_version=narrative.version)
    assert Narrative.objects.get(pk=narrative.pk).progress == "MLT's edit"


def test_the_writing_page_shows_the_periods_evidence_beside_the_text(client, civilaffairs, outputs, mission):
    from tests.factories import AssessmentFactory

    benchmark = BenchmarkFactory(output=outputs["ca"], statement="Joint commission meets monthly")
    AssessmentFactory(benchmark=benchmark, assessed_on=datetime.date(2026, 2, 10), assessed_by=civilaffairs,
                      evidence="Minutes of February")  # fmt: skip
    client.force_login(civilaffairs)

    page = client.get(reverse("narratives:narrative", args=[outputs["ca"].pk, Q1.key]))

    assert page.status_code == 200
    assert "Joint commission meets monthly" in page.content.decode()
    assert page.context["form"] is not None


# --- the mandate ------------------------------------------------------------------------------------------


def _csv(text: str):
    return SimpleUploadedFile("mandate.csv", text.encode("utf-8"))


def test_mandate_import_is_all_or_nothing_with_row_errors_then_creates_and_updates(hom, mission, outputs):
    bad = _csv(
        "resolution,paragraph,short_title,priority,outputs\n"
        "S/RES/2791 (2025),3 (a),Peace agreement,high,Host Country Engaged\n"
        "S/RES/2791 (2025),3 (a),Duplicate,high,\n"
        "S/RES/2791 (2025),3 (b),Elections,urgent,Elections Hled\n"
    )
    report = services.mandate_tasks_import(user=hom, mission=mission, uploaded_file=bad)
    assert not report.ok
    assert {(e.row, e.column) for e in report.errors} == {(3, "paragraph"), (4, "priority"), (4, "outputs")}
    assert MandateTask.objects.count() == 0

    good = _csv(
        "resolution,paragraph,short_title,priority,outputs\n"
        "S/RES/2791 (2025),3 (a),Peace agreement,high,host country engaged\n"
        "S/RES/2791 (2025),3 (b),Élections,Medium,Elections Held; Host Country Engaged\n"
    )
    assert services.mandate_tasks_import(user=hom, mission=mission, uploaded_file=good).created == 2
    again = _csv("resolution,paragraph,short_title,priority,outputs\nS/RES/2791 (2025),3 (a),Renamed,low,\n")
    report = services.mandate_tasks_import(user=hom, mission=mission, uploaded_file=again)
    assert report.ok and report.created == 0
    task = MandateTask.objects.get(paragraph="3 (a)")
    assert (task.short_title, task.priority, task.outputs.count()) == ("Renamed", "low", 0)
    assert set(MandateTask.objects.get(paragraph="3 (b)").outputs.all()) == set(outputs.values())


def test_mandate_import_is_for_the_leadership(civilaffairs, mission):
    with pytest.raises(PermissionDenied):
        services.mandate_tasks_import(user=civilaffairs, mission=mission, uploaded_file=_csv("resolution\n"))


def _mandate(mission, n):
    for i in range(n):
        output = OutputFactory(mission=mission, title=f"Output {i}")
        BenchmarkFactory(output=output)
        task = MandateTask.objects.create(mission=mission, resolution="S/RES/1", paragraph=str(i), short_title="T")
        task.outputs.set([output])
        task.benchmarks.set([BenchmarkFactory(output=output)])


@pytest.mark.parametrize("size", [1, 4])
def test_the_mandate_page_reads_in_a_constant_number_of_queries(client, hom, mission, size, django_assert_num_queries):
    _mandate(mission, size)
    client.force_login(hom)
    client.get(reverse("narratives:mandate"))  # warm the session and content types
    # session, user, memberships; tasks, their outputs, the outputs' benchmarks, the tasks' own benchmarks
    with django_assert_num_queries(7):
        page = client.get(reverse("narratives:mandate"))
    rows = page.context["rows"]
    assert len(rows) == size and all(len(r.benchmarks) == 2 for r in rows)


@pytest.mark.parametrize("size", [1, 4])
def test_the_narrative_board_reads_in_a_constant_number_of_queries(
    client, civilaffairs, mission, components, size, django_assert_num_queries
):
    for i in range(size):
        output = OutputFactory(mission=mission, title=f"O{i}", lead_component=components[Kind.CIVIL_AFFAIRS])
        write(civilaffairs, output)
    client.force_login(civilaffairs)
    url = reverse("narratives:board") + f"?period={Q1.key}"
    client.get(url)
    # session, user, memberships (which also say that no security plan is shared with the user); outputs,
    # the period's narratives, the overview
    with django_assert_num_queries(6):
        page = client.get(url)
    assert len(page.context["board"].rows) == size


# --- evidence ------------------------------------------------------------------------------------------------


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "kind"),
    [("scan.pdf", b"%PDF-1.7\n...", "pdf"), ("photo.jpg", b"\xff\xd8\xff\xe0rest", "jpeg"),
     ("photo.png", PNG, "png"), ("minutes.docx", _docx(), "docx")],
)  # fmt: skip
def test_evidence_types_are_read_from_the_content(name, content, kind):
    assert evidence.sniff(content)[0] == kind


@pytest.mark.parametrize(
    ("name", "content"),
    [("report.pdf", b"<html><script>alert(1)</script>"), ("photo.png", b"MZ\x90\x00 an executable"),
     ("book.xlsx", b"PK\x03\x04 not really a zip"), ("empty.pdf", b"")],
)  # fmt: skip
def test_evidence_that_is_not_what_it_claims_is_refused_with_a_clear_error(civilaffairs, outputs, name, content):
    narrative = write(civilaffairs, outputs["ca"])
    with pytest.raises(ValidationError) as refused:
        services.attachment_add(user=civilaffairs, target=narrative, uploaded_file=SimpleUploadedFile(name, content))
    assert "file" in refused.value.message_dict
    assert Attachment.objects.count() == 0


def test_evidence_over_the_size_limit_is_refused(civilaffairs, outputs, monkeypatch):
    monkeypatch.setattr(evidence, "MAX_BYTES", 100)
    narrative = write(civilaffairs, outputs["ca"])
    with pytest.raises(ValidationError):
        services.attachment_add(
            user=civilaffairs, target=narrative, uploaded_file=SimpleUploadedFile("big.png", PNG + b"\x00" * 200)
        )


def test_evidence_is_stored_under_our_name_and_served_only_to_who_sees_the_record(
    client, civilaffairs, electoral, partner1, hq, outsider, outputs
):
    narrative = write(civilaffairs, outputs["ca"])
    attachment = services.attachment_add(
        user=civilaffairs, target=narrative, uploaded_file=SimpleUploadedFile("../../etc/passwd.png", PNG)
    )
    assert attachment.name == "passwd.png" and "passwd" not in attachment.file.name
    url = reverse("narratives:attachment", args=[attachment.pk])
    client.force_login(electoral)
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert response["Content-Type"] == "image/png" and "attachment" in response["Content-Disposition"]
    for user in (partner1, hq, outsider):
        client.force_login(user)
        assert client.get(url).status_code == 404


# --- the progress report ---------------------------------------------------------------------------------------


@pytest.fixture
def quarter(mission, hom, mlt, civilaffairs, electoral, outputs):
    """The issue's journey: civil affairs' narrative validated, electoral's returned, the HoM's overview."""
    BenchmarkFactory(output=outputs["ca"], statement="Joint commission meets")
    BenchmarkFactory(output=outputs["el"], statement="Voter list published")
    ca = write(civilaffairs, outputs["ca"], progress="CA progress text")
    ca = services.narrative_submit(user=civilaffairs, narrative=ca, expected_version=ca.version)
    services.narrative_review(user=mlt, narrative=ca, expected_version=ca.version, validate=True)
    el = write(electoral, outputs["el"], progress="EL progress text")
    el = services.narrative_submit(user=electoral, narrative=el, expected_version=el.version)
    services.narrative_review(user=mlt, narrative=el, expected_version=el.version, validate=False, comment="More.")
    services.overview_save(user=hom, mission=mission, period_start=Q1.start, period_end=Q1.end, text="HOM OVERVIEW")
    first = MandateTask.objects.create(mission=mission, resolution="S/RES/2815", paragraph="7", short_title="Polls",
                                       order=1)  # fmt: skip
    first.outputs.set([outputs["el"]])
    second = MandateTask.objects.create(mission=mission, resolution="S/RES/2815", paragraph="9", short_title="Dialogue",
                                        order=2)  # fmt: skip
    second.outputs.set([outputs["ca"]])
    return outputs


def _chapters(html: str) -> str:
    """The report's chapters, without the table of contents (which names every section first)."""
    return html[html.index('<section class="chapter" id="overview"') :]


def _body(report, hom):
    return documents.build_body(report, user=hom).html


def _report(mission, hom, **extra):
    return Report.objects.create(
        mission=mission, kind=ReportKind.PROGRESS, period_start=PERIOD_START, period_end=PERIOD_END,
        requested_by=hom, **extra,
    )  # fmt: skip


def test_progress_report_opens_with_the_overview_then_marks_what_is_not_validated(mission, hom, quarter):
    html = _chapters(_body(_report(mission, hom), hom))

    assert html.index("HOM OVERVIEW") < html.index("CA progress text") < html.index('id="summary"')
    ca_at, el_at = html.index(f'id="output-{quarter["ca"].pk}"'), html.index(f'id="output-{quarter["el"].pk}"')
    ca_section, el_section = html[ca_at:el_at], html[el_at : html.index('id="summary"')]
    assert "EL progress text" in el_section and "Not validated" in el_section
    assert "CA progress text" in ca_section and "Not validated" not in ca_section


def test_the_requester_may_leave_unvalidated_narratives_out(mission, hom, quarter):
    html = _body(_report(mission, hom, include_unvalidated=False), hom)

    assert "CA progress text" in html and "EL progress text" not in html
    assert "No validated narrative for this period." in html


def test_progress_report_by_mandate_task_follows_the_order_of_the_resolution(mission, hom, quarter):
    html = _chapters(_body(_report(mission, hom, sections_by=SectionsBy.MANDATE_TASK), hom))

    assert html.index("OP 7: Polls") < html.index("EL progress text") < html.index("OP 9: Dialogue")
    assert html.index("OP 9: Dialogue") < html.index("CA progress text")


@pytest.mark.parametrize("by", [SectionsBy.OUTPUT, SectionsBy.MANDATE_TASK])
def test_narratives_add_a_constant_number_of_queries_to_the_report(mission, hom, civilaffairs, components, by):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    made = iter(range(100))

    def count(n_outputs):
        for _ in range(n_outputs):
            i = next(made)
            output = OutputFactory(mission=mission, title=f"Extra {i}", lead_component=components[Kind.CIVIL_AFFAIRS])
            BenchmarkFactory(output=output)
            write(civilaffairs, output)
            task = MandateTask.objects.create(mission=mission, resolution="R", paragraph=f"{by}{i}", short_title="T")
            task.outputs.set([output])
        report = _report(mission, hom, sections_by=by)
        with CaptureQueriesContext(connection) as queries:
            _body(report, hom)
        return len(queries)

    count(0)  # warm Django's content-type cache, which the evidence lookup fills on first use
    small = count(1)
    large = count(5)  # six outputs now
    assert large == small


def test_hq_receives_the_approved_file_comments_and_the_hom_answers(
    client,
    mission,
    hom,
    hq,
    quarter,
    eager_tasks,  # noqa: F811 - the fixture imported above
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        report = report_services.report_request(
            mission=mission, kind=ReportKind.PROGRESS, period_start=PERIOD_START, period_end=PERIOD_END, user=hom,
            sections_by=SectionsBy.MANDATE_TASK,
        )  # fmt: skip
    report.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        report_services.report_approve(report=report, user=hom)
    report.refresh_from_db()
    approved = report.sha256
    report_services.report_release(report=report, user=hom)
    report.refresh_from_db()
    assert report.sha256 == approved == report.approved_sha256

    client.force_login(hq)
    detail = reverse("reports:detail", args=[report.pk])
    posted = client.post(reverse("reports:comment", args=[report.pk]), {"body": "Why was OP 7 returned?",
                                                                      "section": "overview"})  # fmt: skip
    assert posted.status_code == 302
    comment = ReportComment.objects.get()
    client.force_login(hom)
    answered = client.post(reverse("reports:comment", args=[report.pk]), {"body": "Figures pending.",
                                                                        "parent": comment.pk})  # fmt: skip
    assert answered.status_code == 302
    page = client.get(detail).content.decode()
    assert "Why was OP 7 returned?" in page and "Figures pending." in page
    assert ReportComment.objects.get(parent=comment).section == "overview"


def test_hq_cannot_comment_before_release_and_empty_comments_are_refused(mission, hom, hq):
    draft = _report(mission, hom)
    with pytest.raises(PermissionDenied):
        report_services.report_comment_add(user=hq, report=draft, body="Early")
    released = _report(mission, hom, approval=Report.Approval.RELEASED, sha256="0" * 64, state=Report.State.DONE)
    with pytest.raises(ValidationError):
        report_services.report_comment_add(user=hq, report=released, body="   ")
    with pytest.raises(PermissionDenied):
        report_services.report_comment_add(user=hom, report=released, body="HoM cannot open a thread")


def test_handbook_considerations_show_on_the_output_page(client, hom, mission):
    from benchmarks.models import LibraryOutput

    library = LibraryOutput.objects.create(key="x", framework_version="1", title="X", lead_component_kind="political",
                                           considerations=["Timing of elections is crucial"])  # fmt: skip
    output = OperationalOutput.objects.create(mission=mission, title="X", library_output=library)
    client.force_login(hom)
    assert (
        "Timing of elections is crucial" in client.get(reverse("benchmarks:output", args=[output.pk])).content.decode()
    )


def test_the_handbook_library_carries_every_consideration_of_the_elections_chapter():
    import json

    from benchmarks.services import FRAMEWORK_FILE

    outputs = {o["key"]: o for o in json.loads(FRAMEWORK_FILE.read_text(encoding="utf-8"))["outputs"]}
    considerations = " ".join(outputs["elections-held"]["considerations"]).lower()
    for idea in ("timing", "spoilers", "national officials", "capacities"):
        assert idea in considerations


def test_a_stale_narrative_edit_answers_409_with_both_texts_side_by_side(client, civilaffairs, mlt, outputs):
    narrative = write(civilaffairs, outputs["ca"], progress="First text")
    url = reverse("narratives:narrative", args=[outputs["ca"].pk, Q1.key])
    form = {"progress": "", "challenges": "Roads cut.", "next_steps": "Extend.", "rating": "some_progress",
            "version": narrative.version}  # fmt: skip
    client.force_login(mlt)
    assert client.post(url, {**form, "progress": "MLT's text"}).status_code == 302
    client.force_login(civilaffairs)

    stale = client.post(url, {**form, "progress": "My stale text"})

    assert stale.status_code == 409
    page = stale.content.decode()
    assert "MLT&#x27;s text" in page and "My stale text" in page
    assert Narrative.objects.get(pk=narrative.pk).progress == "MLT's text"


# --- evidence listed in the progress report (issue 13, item 5) ---------------------------------------------


def _evidence(mission, hom, civilaffairs, outputs, n=1):
    """`n` files each on an assessment and an engagement of the period and on a narrative; one assessment
    file outside the period, which the report must not list."""
    from benchmarks.models import Assessment
    from tests.factories import AssessmentFactory, EngagementFactory

    benchmark = BenchmarkFactory(output=outputs["ca"], statement="Peace committees meet monthly")
    narrative = write(civilaffairs, outputs["ca"], progress="CA progress text")
    for i in range(n):
        inside = AssessmentFactory(benchmark=benchmark, assessed_on=PERIOD_START + datetime.timedelta(days=i))
        day = PERIOD_START + datetime.timedelta(days=i)
        engagement = EngagementFactory(
            mission=mission, component=outputs["ca"].lead_component, date=day, summary="Met the council"
        )
        for target, name in ((inside, f"photo-{i}.png"), (engagement, f"minutes-{i}.png"), (narrative, f"n-{i}.png")):
            services.attachment_add(user=hom, target=target, uploaded_file=SimpleUploadedFile(name, PNG))
    outside = AssessmentFactory(benchmark=benchmark, assessed_on=PERIOD_END + datetime.timedelta(days=5))
    Attachment.objects.create(
        mission=mission, target=outside, token=f"out{n}", extension=".png", name="later.png", kind="png",
        size_bytes=10, sha256="0" * 64, file="evidence/x.png", uploaded_by=hom,
    )  # fmt: skip
    assert Assessment.objects.filter(pk=outside.pk).exists()
    return narrative


def test_the_progress_report_lists_evidence_files_with_type_size_and_what_they_support(
    mission, hom, civilaffairs, outputs
):
    _evidence(mission, hom, civilaffairs, outputs)
    body = documents.build_body(_report(mission, hom), user=hom)
    annex = body.html[body.html.index('id="evidence-files"') : body.html.index('id="method"')]

    for name in ("photo-0.png", "minutes-0.png", "n-0.png"):
        assert name in annex
    assert "PNG image" in annex and "72\xa0bytes" in annex  # the size, as Django formats it
    assert "Assessment of the benchmark “Peace committees meet monthly”" in annex
    assert "Engagement: " in annex and "Met the council" in annex
    assert "Narrative of the output “Host Country Engaged”" in annex
    assert "later.png" not in annex  # evidence of an assessment after the period
    # Listed, never embedded: no link to the file, no data URL, nothing but the project's static files fetched.
    assert "/evidence/" not in body.html and "data:" not in body.html
    (table,) = [t for t in body.tables if t["title"] == "Evidence on file"]
    assert sorted(r[0] for r in table["rows"]) == ["minutes-0.png", "n-0.png", "photo-0.png"]
    assert {r[2] for r in table["rows"]} == {len(PNG)}


def test_evidence_of_others_is_not_listed_to_a_requester_who_may_not_see_it(mission, hom, hq, civilaffairs, outputs):
    _evidence(mission, hom, civilaffairs, outputs)

    html = documents.build_body(_report(mission, hom), user=hq).html  # HQ never sees the mission's evidence

    assert "photo-0.png" not in html and "No evidence is on file for this period." in html


@pytest.mark.parametrize("size", [1, 5])
def test_the_evidence_list_reads_in_three_queries_whatever_the_number_of_files(
    mission, hom, civilaffairs, outputs, size, django_assert_num_queries
):
    narrative = _evidence(mission, hom, civilaffairs, outputs, n=size)
    narrative.output = outputs["ca"]
    hom_ = type(hom).objects.get(pk=hom.pk)
    selectors.evidence_in_period(user=hom_, mission=mission, start=PERIOD_START, end=PERIOD_END, narratives=[])
    # 1 the attachments (the period's assessments and engagements as subqueries), 2 the assessments they
    # support with their benchmarks, 3 the engagements.
    with django_assert_num_queries(3):
        files = selectors.evidence_in_period(
            user=hom_, mission=mission, start=PERIOD_START, end=PERIOD_END, narratives=[narrative]
        )
    assert len(files) == 3 * size


def test_chart_names_wrap_instead_of_being_cut_and_a_long_legend_fits_its_width():
    from django.utils import translation

    from benchmarks import charts

    title = "Legitimate State Authority and Institutions Strengthened"
    svg = str(charts.status_distribution([(title, [("Short term", {"on_track": 2})])], label_lines=3))
    assert "Institutions" in svg and "Strengthened" in svg and "…" not in svg.split("</title>", 2)[2]
    with translation.override("fr"):
        svg = str(charts.status_distribution([("A", [("Court terme", {"on_track": 1})])]))
        narrow = str(charts.status_distribution([("A", [("Court terme", {"on_track": 1})])], width=360))
    legend = svg.split("<title>")[1]
    swatches = [float(x) for x in re.findall(r'<rect x="([\d.]+)" y="5"', legend)]
    labels = re.findall(r'<text x="[\d.]+" y="14" fill="#1d2430">([^<]+)</text>', legend)
    assert len(swatches) == len(labels) == 5
    # Each swatch starts after the previous label at the widest font's advance: no label runs into the next.
    for (start, label), following in zip(zip(swatches, labels, strict=True), swatches[1:], strict=False):
        assert following >= start + 14 + 7.4 * len(label)
    assert 'font-size="' in narrow.split("<title>")[1].split("<tspan")[0]  # too long for 360 px: smaller type


def test_a_large_missions_sections_list_what_needs_attention_and_show_a_shared_output_once(
    mission, hom, civilaffairs, components, monkeypatch
):
    from benchmarks.models import Status
    from reports.documents import narratives as sections
    from tests.factories import AssessmentFactory

    monkeypatch.setattr(sections, "LARGE_MISSION_OUTPUTS", 1)
    monkeypatch.setattr(sections, "ROWS_PER_SECTION_LARGE", 2)
    shared = OutputFactory(mission=mission, title="Shared output", order=1,
                           lead_component=components[Kind.CIVIL_AFFAIRS])  # fmt: skip
    OutputFactory(mission=mission, title="Second output", order=2, lead_component=components[Kind.CIVIL_AFFAIRS])
    for i, status in enumerate([Status.ON_TRACK, Status.ON_TRACK, Status.OFF_TRACK]):
        benchmark = BenchmarkFactory(output=shared, statement=f"Benchmark {i} {status}", order=i)
        AssessmentFactory(benchmark=benchmark, status=status, assessed_on=PERIOD_START)
    write(civilaffairs, shared, progress="SHARED PROGRESS")
    for paragraph in ("1", "2"):
        task = MandateTask.objects.create(mission=mission, resolution="R", paragraph=paragraph, short_title="T",
                                          order=int(paragraph))  # fmt: skip
        task.outputs.set([shared])

    html = _chapters(_body(_report(mission, hom, sections_by=SectionsBy.MANDATE_TASK), hom))

    first, second = html.split('id="task-')[1:3]
    assert first.index("off_track") < first.index("Benchmark 0")  # what needs attention first
    assert "Benchmark 1" not in first and "The 2 of 3 benchmarks that most need attention" in first
    assert "SHARED PROGRESS" in first and "SHARED PROGRESS" not in second
    assert "are in section 1." in second
