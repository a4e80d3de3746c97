"""The gazetteer import (missions.gazetteer): OCHA COD tables, P-codes as keys, re-imports, boundaries."""

import io
import json

import pytest

from missions import gazetteer
from missions.imports import ROW, read_table
from missions.models import Location
from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db

COD_HEADER = "admin1Name_en,admin1Name_fr,admin1Pcode,admin2Name_en,admin2Name_fr,admin2Pcode"
COD = f"""{COD_HEADER}
Kalo North,Kalo-Nord,XX01,Bamba,,XX0101
Kalo North,Kalo-Nord,XX01,Sénou,Sénou,XX0102
Dafa,Dafa,XX02,Bamba,,XX0201
Dafa,Dafa,XX02,Tiéla,,XX0202
"""


class Problems:
    """The report an importer writes to (the pipeline's Report has the same `add`)."""

    def __init__(self):
        self.problems = []

    def add(self, row, column, message, *, kind="", value=""):
        self.problems.append((row, column, str(kind), value, str(message)))

    @property
    def ok(self):
        return not self.problems

    def kinds(self):
        return {p[2] for p in self.problems}


def rows_of(text: str, name="areas.csv"):
    upload = io.BytesIO(text.encode("utf-8"))
    upload.name = name
    rows = read_table(upload)
    headers = [h for h in rows[0] if h != ROW] if rows else []
    return gazetteer.rows_by_field(rows, headers)


def plan(mission, text, mode="update"):
    report = Problems()
    result = gazetteer.plan_areas(mission_id=mission.pk, rows=rows_of(text), mode=mode, report=report)
    return result, report


def imported(mission, text, mode="update"):
    result, report = plan(mission, text, mode)
    assert report.ok, report.problems
    gazetteer.apply_areas(mission_id=mission.pk, plan=result)
    return result


def test_the_cod_headers_are_recognised_without_a_mapping():
    columns = gazetteer.guess_fields(COD_HEADER.split(",") + ["ADM3_EN", "ADM3_PCODE", "admin3Name_fr"])

    assert columns == {
        "region": 0,
        "region_fr": 1,
        "region_pcode": 2,
        "district": 3,
        "district_fr": 4,
        "district_pcode": 5,
        "subdistrict": 6,
        "subdistrict_pcode": 7,
        "subdistrict_fr": 8,
    }


def test_a_cod_table_creates_regions_and_districts_keyed_by_p_code_with_french_names(mission):
    result = imported(mission, COD)

    assert result.counts == {"created": 6, "updated": 0, "unchanged": 0}
    north = Location.objects.get(mission=mission, pcode="XX01")
    assert (north.level, north.name, north.name_fr, north.parent) == ("region", "Kalo North", "Kalo-Nord", None)
    senou = Location.objects.get(mission=mission, pcode="XX0102")
    assert (senou.level, senou.name, senou.parent) == ("district", "Sénou", north)
    # History is kept for imported areas.
    assert senou.history.count() == 1


def test_the_same_district_name_under_two_regions_makes_two_districts(mission):
    imported(mission, COD)

    bambas = Location.objects.filter(mission=mission, name="Bamba").order_by("pcode")
    assert [(b.pcode, b.parent.pcode) for b in bambas] == [("XX0101", "XX01"), ("XX0201", "XX02")]


def test_a_re_import_reports_created_updated_and_unchanged_and_lists_the_changes(mission):
    imported(mission, COD)
    changed = COD.replace("Tiéla,,XX0202", "Tiéla Centre,,XX0202") + "Dafa,Dafa,XX02,Woro,,XX0203\n"

    result = imported(mission, changed)

    assert result.counts == {"created": 1, "updated": 1, "unchanged": 5}
    update = next(c for c in result.changes if c.status == "updated")
    assert (update.pcode, update.fields) == ("XX0202", {"name": ("Tiéla", "Tiéla Centre")})
    assert Location.objects.get(mission=mission, pcode="XX0202").name == "Tiéla Centre"
    assert Location.objects.filter(mission=mission).count() == 7
    # A third import of the same file changes nothing.
    assert imported(mission, changed).counts == {"created": 0, "updated": 0, "unchanged": 7}


def test_create_only_mode_refuses_to_change_an_existing_area(mission):
    imported(mission, COD)

    result, report = plan(mission, COD.replace("Tiéla,,XX0202", "Tiela,,XX0202"), mode="create")

    assert str(gazetteer.EXISTS) in report.kinds()
    assert result.counts["unchanged"] == 5


def test_an_area_without_a_p_code_takes_the_file_s_p_code_and_keeps_its_id(mission):
    region = LocationFactory(mission=mission, name="Dafa", level="region", parent=None)
    district = LocationFactory(mission=mission, name="Tiéla", level="district", parent=region)

    result = imported(mission, COD)

    district.refresh_from_db()
    assert district.pcode == "XX0202" and district.parent == region
    assert result.counts["updated"] == 2 and result.counts["created"] == 4


def test_two_rows_that_contradict_each_other_are_refused(mission):
    text = COD + "Kalo Nord,Kalo-Nord,XX01,Fala,,XX0103\n"

    _plan, report = plan(mission, text)

    assert str(gazetteer.CONFLICT) in report.kinds()
    assert Location.objects.filter(mission=mission).count() == 0


def test_the_same_name_twice_under_one_parent_is_refused(mission):
    _plan, report = plan(mission, COD + "Dafa,Dafa,XX02,Tiela,,XX0209\n")

    assert str(gazetteer.SAME_NAME) in report.kinds()


def test_a_sub_district_file_with_an_ambiguous_parent_name_is_refused_with_the_candidates(mission):
    imported(mission, COD)
    text = "parent,admin3Name_en,admin3Pcode\nBamba,Bamba Centre,XX010101\n"

    _plan, report = plan(mission, text)

    assert not report.ok
    message = report.problems[0][4]
    assert "XX0101" in message and "XX0201" in message
    # With the district's P-code the parent is clear.
    ok = imported(mission, "parent,admin3Name_en,admin3Pcode\nXX0201,Bamba Centre,XX020101\n")
    assert ok.counts["created"] == 1
    assert Location.objects.get(pcode="XX020101").parent.pcode == "XX0201"


def test_a_table_with_no_area_columns_is_one_file_level_problem(mission):
    _plan, report = plan(mission, "name,code\nA,1\n")

    assert [p[0] for p in report.problems] == [None]


def test_an_xlsx_cod_table_imports_like_the_csv(mission, tmp_path):
    from mandate.management.national import synthetic_country, write_cod_files

    country = synthetic_country(regions=3, districts=12, subdistricts=True, seed=3)
    table, _ = write_cod_files(country, tmp_path, fmt="xlsx")
    upload = io.BytesIO(table.read_bytes())
    upload.name = "adm.xlsx"
    rows = read_table(upload)
    fields = gazetteer.rows_by_field(rows, [h for h in rows[0] if h != ROW])
    report = Problems()

    result = gazetteer.plan_areas(mission_id=mission.pk, rows=fields, mode="create", report=report)

    assert report.ok, report.problems
    assert result.counts["created"] == 3 + 12 + 48


def _geojson(features):
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def _square(pcode, x, y, key="admin2Pcode", size=0.3):
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"type": "Feature", "properties": {key: pcode}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_boundaries_are_matched_by_p_code_stored_simplified_with_their_box(mission):
    imported(mission, COD)
    bow_tie = {  # self-intersecting: made valid, not refused
        "type": "Feature",
        "properties": {"ADM2_PCODE": "XX0102"},
        "geometry": {"type": "Polygon", "coordinates": [[[20, 5], [20.4, 5.4], [20.4, 5], [20, 5.4], [20, 5]]]},
    }
    data = _geojson([_square("XX0101", 20, 6), bow_tie, _square("XX01", 19, 5, key="ADM1_PCODE", size=2)])
    report = Problems()

    boundary_plan = gazetteer.plan_boundaries(data=data, pcodes={"XX01", "XX0101", "XX0102"}, report=report)
    stored = gazetteer.apply_boundaries(mission_id=mission.pk, plan=boundary_plan)

    assert report.ok and stored == 3
    bamba = Location.objects.get(mission=mission, pcode="XX0101")
    assert json.loads(bamba.boundary)["type"] == "Polygon"
    assert (bamba.min_lon, bamba.min_lat, bamba.max_lon, bamba.max_lat) == (20, 6, 20.3, 6.3)
    assert json.loads(Location.objects.get(pcode="XX0102").boundary)["type"] == "MultiPolygon"


def test_unknown_p_codes_and_features_without_geometry_are_reported(mission):
    data = _geojson([_square("XX0999", 1, 1), {"type": "Feature", "properties": {"pcode": "XX01"}, "geometry": None}])
    report = Problems()

    boundary_plan = gazetteer.plan_boundaries(data=data, pcodes={"XX01"}, report=report)

    assert boundary_plan.unknown == ["XX0999"] and boundary_plan.without_geometry == ["XX01"]
    assert {str(gazetteer.UNKNOWN_PCODE), str(gazetteer.NO_GEOMETRY)} == report.kinds()


def test_a_file_that_is_not_geojson_is_reported(mission):
    report = Problems()

    gazetteer.plan_boundaries(data=b"admin1Pcode\nXX01\n", pcodes={"XX01"}, report=report)

    assert report.kinds() == {str(gazetteer.NOT_GEOJSON)}


def test_a_projected_geometry_in_metres_is_refused(mission):
    report = Problems()

    gazetteer.plan_boundaries(
        data=_geojson([_square("XX01", 500000, 800000, size=1000)]), pcodes={"XX01"}, report=report
    )

    assert report.kinds() == {str(gazetteer.BAD_GEOMETRY)}
