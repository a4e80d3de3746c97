"""Risk re-rating people can trust (issue 14, point 3).

Failing-first: before, adding one threat re-rated every polling site of the plan (in the demo a whole
district went from High/Critical to Low), left no history entry and said only "the suggested risk of its
sites was updated"; a submitted plan's approval box did not say its numbers had moved.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from elections import services
from elections.models import Incident, PollingSite, RiskLevel, SecurityPlan, Threat
from tests.elections_support import build_election, second_district
from tests.factories import PollingSiteFactory


@pytest.fixture
def e(mission, district):
    data = build_election(mission, district, sites=3)
    services.site_risk_refresh(security_plan=data["security"])  # the rule's ratings to start from
    return data


def _threat_data(**extra):
    return {"actor": "Militia", "threat_type": Threat.ThreatType.ARMED_GROUP, "likelihood": 5, "impact": 5, **extra}


def test_a_threat_rerates_only_the_sites_it_concerns(e, electoral, mission):
    north_site = e["sites"][1]
    south = second_district(mission)
    elsewhere = PollingSiteFactory(security_plan=e["security"], district=south, code="S-1")
    # A rating that disagrees with today's rule (as the demo's did): a threat elsewhere must not touch it.
    PollingSite.objects.filter(pk=elsewhere.pk).update(suggested_risk=RiskLevel.HIGH)
    target = PollingSiteFactory(security_plan=e["security"], district=south, code="S-2")
    threat = services.threat_create(security_plan=e["security"], user=electoral, data=_threat_data(), sites=[target])
    assert [(c.code, c.before, c.after) for c in threat.risk_changes] == [("S-2", RiskLevel.LOW, RiskLevel.CRITICAL)]
    elsewhere.refresh_from_db()
    north_site.refresh_from_db()
    assert elsewhere.suggested_risk == RiskLevel.HIGH
    assert north_site.suggested_risk == RiskLevel.HIGH  # the district threat of build_election, untouched


def test_a_district_threat_concerns_that_districts_sites(e, electoral, mission, district):
    south = second_district(mission)
    far = PollingSiteFactory(security_plan=e["security"], district=south, code="S-9")
    threat = services.threat_create(
        security_plan=e["security"], user=electoral, data=_threat_data(district=district), sites=[]
    )
    district_codes = {s.code for s in e["sites"]}
    assert threat.risk_changes and {c.code for c in threat.risk_changes} <= district_codes
    ratings = PollingSite.objects.filter(code__in=district_codes).values_list("suggested_risk", flat=True)
    assert set(ratings) == {RiskLevel.CRITICAL}
    far.refresh_from_db()
    assert far.suggested_risk == RiskLevel.LOW


def test_every_automatic_change_is_in_the_sites_history_with_its_cause(e, electoral, mission):
    south = second_district(mission)
    target = PollingSiteFactory(security_plan=e["security"], district=south, code="S-3")
    threat = services.threat_create(security_plan=e["security"], user=electoral, data=_threat_data(), sites=[target])
    record = target.history.latest("history_date")
    assert record.suggested_risk == RiskLevel.CRITICAL
    assert record.history_change_reason == f"threat {threat.reference} added"
    assert record.history_user == electoral
    reference = threat.reference
    services.plan_item_delete(item=threat, user=electoral, expected_version=threat.version)
    record = target.history.latest("history_date")
    assert (record.suggested_risk, record.history_change_reason) == (
        RiskLevel.LOW,
        f"threat {reference} removed",
    )


def test_the_page_after_the_save_lists_what_changed(client, e, electoral, mission):
    south = second_district(mission)
    PollingSiteFactory(security_plan=e["security"], district=south, code="S-4")
    client.force_login(electoral)
    response = client.post(
        reverse("elections:threat-create", args=[e["security"].pk]),
        {**_threat_data(), "site_codes": "S-4", "description": "", "mitigation": ""},
        follow=True,
    )
    body = response.content.decode()
    assert "Suggested risk changed at 1 site: S-4: Low → Critical." in body
    history = client.get(reverse("elections:plan-history", args=[e["plan"].pk])).content.decode()
    assert "threat T-" in history and "added" in history


def test_an_incident_rerates_its_site_and_district_and_says_when(e, electoral):
    site = e["sites"][2]
    incident = services.incident_create(
        election_plan=e["plan"],
        user=electoral,
        data={
            "occurred_at": timezone.now() - datetime.timedelta(hours=2),
            "district": site.district,
            "site_code": site.code,
            "incident_type": Incident.IncidentType.VIOLENCE,
            "severity": Incident.Severity.SERIOUS,
            "description": "Clash at the gate",
        },
    )
    assert [(c.code, c.after) for c in incident.risk_changes] == [(site.code, RiskLevel.CRITICAL)]
    assert site.history.latest("history_date").history_change_reason.startswith("incident on ")


def test_the_approval_box_says_when_suggested_risks_changed_since_submission(client, e, electoral, hom):
    security = e["security"]
    services.security_plan_submit(security_plan=security, user=electoral)
    detail = reverse("elections:security-plan-detail", args=[security.pk])
    client.force_login(hom)
    assert "Since this revision was submitted" not in client.get(detail).content.decode()
    site = e["sites"][2]
    services.incident_create(
        election_plan=e["plan"],
        user=electoral,
        data={
            "occurred_at": timezone.now() - datetime.timedelta(hours=1),
            "district": site.district,
            "site_code": site.code,
            "incident_type": Incident.IncidentType.ARMED_ATTACK,
            "severity": Incident.Severity.CRITICAL,
            "description": "Attack on the polling centre",
        },
    )
    assert SecurityPlan.objects.get(pk=security.pk).status == SecurityPlan.Status.SUBMITTED
    body = client.get(detail).content.decode()
    assert "the suggested risk of 1 site changed" in body
    assert f"{site.code}: <del>High</del> → <ins>Critical</ins>" in body
