"""The role matrix of the mandate, the narratives, the evidence and HQ's comments on reports.

Each role gets a fresh world (the two-output plan of `make_plan`, a draft civil-affairs narrative with a photo
attached, a submitted electoral narrative, a mandate task, the HoM's overview and a released report with one HQ
comment) and walks every case in order; the expected status per role is written next to each case. Partners
and the outsider (HoM of another mission) get 404 for everything of this mission; HQ reads the mandate and
comments on released reports, but the mission's narratives stay internal until a released report carries them.
"""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from missions.models import Component
from narratives import urls as narrative_urls
from narratives.models import Attachment, MandateTask, Narrative, Overview, Rating
from narratives.selectors import Period
from reports.models import Report, ReportComment, ReportKind
from tests.benchmarks_support import make_plan
from tests.conftest import ROLE_FIXTURES
from tests.matrix_support import ALL, api_route_names, case_url, fresh, roles

Kind = Component.Kind
PARTNERS = frozenset({"partner1", "partner2"})
OUT = PARTNERS | {"outsider"}
LEADERSHIP = frozenset({"hom", "mlt"})
STAFF = frozenset({"electoral", "civilaffairs", "military", "police"})
MEMBERS = LEADERSHIP | STAFF  # the mission's own people: they read narratives and evidence
READERS = MEMBERS | {"hq"}  # everyone who reads the results framework
CA = frozenset({"civilaffairs"})
PERIOD = Period(datetime.date(2026, 7, 1), datetime.date(2026, 9, 30))
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


class World:
    def __init__(self, mission, components, author, hom, hq):
        self.mission = mission
        self.plan = make_plan(mission, components, author)
        self.task = MandateTask.objects.create(
            mission=mission, resolution="S/RES/2791 (2025)", paragraph="3 (d)", short_title="Reconciliation"
        )
        self.task.outputs.set([self.plan.out_ca])
        self.draft = Narrative.objects.create(
            output=self.plan.out_ca, period_start=PERIOD.start, period_end=PERIOD.end, written_by=author,
            progress="Committees met.", challenges="Roads cut.", next_steps="Extend to two districts.",
            rating=Rating.SOME_PROGRESS,
        )  # fmt: skip
        self.submitted = Narrative.objects.create(
            output=self.plan.out_el, period_start=PERIOD.start, period_end=PERIOD.end, written_by=author,
            progress="Registration done.", challenges="Delays.", next_steps="Train staff.", rating=Rating.ON_TRACK,
            status=Narrative.Status.SUBMITTED,
        )  # fmt: skip
        # Each case that changes a narrative's state gets its own (one per output and period).
        self.submitted_api = self._narrative(self.plan.out_el, Period.quarter_of(datetime.date(2026, 4, 1)), author)
        self.submitted_return = self._narrative(self.plan.out_el, Period.quarter_of(datetime.date(2026, 1, 1)), author)
        self.second_draft = self._narrative(
            self.plan.out_ca, Period.quarter_of(datetime.date(2026, 1, 1)), author, Narrative.Status.DRAFT
        )
        Overview.objects.create(
            mission=mission, period_start=PERIOD.start, period_end=PERIOD.end, text="A quarter.", written_by=hom
        )
        self.attachment = Attachment(
            mission=mission, target=self.draft, token="a" * 32, extension=".png", name="meeting.png",
            kind=Attachment.Kind.PNG, size_bytes=len(PNG), sha256="0" * 64, uploaded_by=author,
        )  # fmt: skip
        self.attachment.file.save("meeting.png", ContentFile(PNG), save=False)
        self.attachment.save()
        self.report = Report.objects.create(
            mission=mission, kind=ReportKind.PROGRESS, period_start=PERIOD.start, period_end=PERIOD.end,
            requested_by=hom, state=Report.State.DONE, sha256="0" * 64, approval=Report.Approval.RELEASED,
        )  # fmt: skip
        self.comment = ReportComment.objects.create(report=self.report, author=hq, body="Why the delay?")

    @staticmethod
    def _narrative(output, period, author, status=Narrative.Status.SUBMITTED):
        return Narrative.objects.create(
            output=output, period_start=period.start, period_end=period.end, written_by=author, progress="P.",
            challenges="C.", next_steps="N.", rating=Rating.ON_TRACK, status=status,
        )  # fmt: skip


def narrative_text(w, narrative):
    return {"progress": "Updated.", "challenges": "Still roads.", "next_steps": "More.", "rating": "on_track",
            "version": fresh(narrative).version}  # fmt: skip


# (url name, method, url args (world -> args), data (world -> dict) or None, expected statuses per role)
PAGES = [
    ("narratives:mandate", "get", None, None, roles(s200=READERS | {"outsider"}, s404=PARTNERS)),
    ("narratives:mandate-task-add", "get", None, None,
     roles(default=403, s200=LEADERSHIP | {"outsider"}, s404=PARTNERS)),
    ("narratives:mandate-import", "get", None, None,
     roles(default=403, s200=LEADERSHIP | {"outsider"}, s404=PARTNERS)),
    ("narratives:mandate-task-edit", "get", lambda w: w.task.pk, None, roles(default=403, s200=LEADERSHIP, s404=OUT)),
    ("narratives:mandate-task-add", "post", None,
     lambda w: {"resolution": "S/RES/2815 (2026)", "paragraph": "7", "short_title": "Elections", "text": "",
                "priority": "high", "order": 1, "outputs": [w.plan.out_el.pk]},
     roles(default=403, s302=LEADERSHIP, s404=PARTNERS, s200={"outsider"})),  # outsider: not its output (400 form)
    ("narratives:board", "get", None, None, roles(s200=MEMBERS | {"outsider"}, s404=PARTNERS | {"hq"})),
    ("narratives:narrative", "get", lambda w: (w.plan.out_ca.pk, PERIOD.key), None,
     roles(s200=MEMBERS, s404=OUT | {"hq"})),
    ("narratives:narrative", "post", lambda w: (w.plan.out_ca.pk, PERIOD.key), lambda w: narrative_text(w, w.draft),
     roles(default=403, s302=LEADERSHIP | CA, s404=OUT | {"hq"})),
    ("narratives:narrative-review", "post", lambda w: w.submitted.pk,
     lambda w: {"decision": "validate", "version": fresh(w.submitted).version, "comment": ""},
     roles(default=403, s302=LEADERSHIP, s404=OUT | {"hq"})),
    ("narratives:overview", "get", lambda w: PERIOD.key, None,
     roles(s200=MEMBERS | {"outsider"}, s404=PARTNERS | {"hq"})),
    ("narratives:overview", "post", lambda w: PERIOD.key, lambda w: {"text": "Better.", "version": 1},
     roles(default=403, s302={"hom", "outsider"}, s404=PARTNERS | {"hq"})),
    ("narratives:attachment", "get", lambda w: w.attachment.pk, None, roles(s200=MEMBERS, s404=OUT | {"hq"})),
    ("narratives:attachment-add", "post", lambda w: ("narrative", w.draft.pk),
     lambda w: {"file": SimpleUploadedFile("photo.png", PNG), "description": "Site visit"},
     roles(default=403, s302=LEADERSHIP | CA, s404=OUT | {"hq"})),
    ("reports:comment", "post", lambda w: w.report.pk, lambda w: {"body": "Please clarify.", "section": ""},
     roles(default=403, s302={"hq"}, s404=OUT)),
    ("reports:comment", "post", lambda w: w.report.pk, lambda w: {"body": "Because of floods.", "parent": w.comment.pk},
     roles(default=403, s302=LEADERSHIP | {"hq"}, s404=OUT)),
]  # fmt: skip

API = [
    ("mandate-task-list", "get", None, None, roles(s200=ALL)),
    ("mandate-task-list", "post", None,
     lambda w: {"mission": w.mission.pk, "resolution": "S/RES/2815 (2026)", "paragraph": "8", "short_title": "Civil"},
     roles(default=403, s201=LEADERSHIP, s400={"outsider"})),
    ("mandate-task-detail", "get", lambda w: w.task.pk, None, roles(s200=READERS, s404=OUT)),
    ("mandate-task-detail", "patch", lambda w: w.task.pk,
     lambda w: {"short_title": "Local reconciliation", "version": fresh(w.task).version},
     roles(default=403, s200=LEADERSHIP, s404=OUT)),
    ("narrative-list", "get", None, None, roles(s200=ALL)),
    ("narrative-list", "post", None,
     lambda w: {"output": w.plan.out_ca.pk, "period_start": "2026-04-01", "period_end": "2026-06-30",
                "progress": "Q2."},
     roles(default=403, s201=LEADERSHIP | CA, s400=OUT)),
    ("narrative-detail", "get", lambda w: w.draft.pk, None, roles(s200=MEMBERS, s404=OUT | {"hq"})),
    ("narrative-detail", "patch", lambda w: w.draft.pk,
     lambda w: {"progress": "Changed.", "version": fresh(w.draft).version},
     roles(default=403, s200=LEADERSHIP | CA, s404=OUT | {"hq"})),
    ("narrative-submit", "post", lambda w: w.draft.pk, lambda w: {"version": fresh(w.draft).version},
     roles(default=403, s200=LEADERSHIP | CA, s404=OUT | {"hq"})),
    ("narrative-validate", "post", lambda w: w.submitted_api.pk, lambda w: {"version": fresh(w.submitted_api).version},
     roles(default=403, s200=LEADERSHIP, s404=OUT | {"hq"})),
    ("narrative-return", "post", lambda w: w.submitted_return.pk,
     lambda w: {"version": fresh(w.submitted_return).version, "comment": "Add the figures."},
     roles(default=403, s200=LEADERSHIP, s404=OUT | {"hq"})),
    ("attachment-list", "get", None, None, roles(s200=ALL)),
    ("attachment-list", "multipart", None,
     lambda w: {"target_type": "narrative", "target_id": w.second_draft.pk, "file": SimpleUploadedFile("p.png", PNG)},
     roles(default=403, s201=LEADERSHIP | CA, s400=OUT | {"hq"})),
    ("attachment-detail", "get", lambda w: w.attachment.pk, None, roles(s200=MEMBERS, s404=OUT | {"hq"})),
    ("attachment-download", "get", lambda w: w.attachment.pk, None, roles(s200=MEMBERS, s404=OUT | {"hq"})),
    ("report-comment-list", "get", None, None, roles(s200=ALL)),
    ("report-comment-list", "post", None, lambda w: {"report": w.report.pk, "body": "A question."},
     roles(default=403, s201={"hq"}, s400=OUT)),
    ("report-comment-list", "post", None,
     lambda w: {"report": w.report.pk, "body": "An answer.", "parent": w.comment.pk},
     roles(default=403, s201=LEADERSHIP | {"hq"}, s400=OUT)),
    ("report-comment-detail", "get", lambda w: w.comment.pk, None, roles(s200=READERS, s404=OUT)),
    # Comments are kept as written: no route changes or deletes one.
    ("report-comment-detail", "patch", lambda w: w.comment.pk, lambda w: {"body": "Edited"}, roles(s405=ALL)),
]  # fmt: skip

CASES = PAGES + API
COVERED_URL_NAMES = {name for name, *_rest in CASES}
API_BASENAMES = {"mandate-task", "narrative", "attachment", "report-comment"}


def test_the_matrix_covers_every_url_of_the_app_and_its_api_resources():
    pages = {f"narratives:{pattern.name}" for pattern in narrative_urls.urlpatterns} | {"reports:comment"}
    api = api_route_names(API_BASENAMES)
    assert pages | api == COVERED_URL_NAMES


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_role_matrix(client, users, role, mission, components, civilaffairs, hom, hq):
    world = World(mission, components, civilaffairs, hom, hq)
    client.force_login(users[role])
    failures = []
    for name, method, args, data, expected in CASES:
        url = case_url(name, args, world)
        payload = data(world) if data else None
        if ":" in name or method == "multipart":
            call = client.post if method == "multipart" else getattr(client, method)
            response = call(url, payload) if payload is not None else call(url)
        else:
            call = getattr(client, method)
            response = call(url, payload, content_type="application/json") if payload else call(url)
        if response.status_code != expected[role]:
            detail = response.content[:300] if response.status_code in (200, 400, 403) else b""
            failures.append(
                f"{method.upper()} {name} {url}: {response.status_code}, expected {expected[role]} {detail}"
            )
    assert not failures, "\n".join(failures)
