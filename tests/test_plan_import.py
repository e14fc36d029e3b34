"""Plan files: templates, reading CSV/XLSX, all-or-nothing import with row/column errors, idempotent re-import."""
import io

import openpyxl
import pytest

import ckan.plugins.toolkit as toolkit
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.provincial import plan_io
from tests.gap_support import coordinating_org, plan_tables  # noqa: F401  (fixture)

HEADER = plan_io.plan_header()


def csv_file(rows, header=None, name="plan.csv"):
    content = plan_io.write_csv(header or HEADER, rows)
    upload = io.BytesIO(content)
    upload.filename = name
    return upload


def row(code, title="ข้อมูล", **values):
    fields = {c.key: "" for c in plan_io.PLAN_COLUMNS}
    fields.update(code=code, title_th=title, **values)
    return [fields[c.key] for c in plan_io.PLAN_COLUMNS]


# ---------------------------------------------------------------- pure: files

def test_template_headers_are_thai_and_english():
    table = plan_io.read_table(plan_io.template("csv"), "t.csv")
    assert table.rows == []
    assert "รหัสรายการข้อมูล (Requirement code)" in HEADER
    workbook = openpyxl.load_workbook(io.BytesIO(plan_io.template("xlsx")))
    assert [c.value for c in workbook["plan"][1]] == HEADER
    help_rows = list(workbook["คำอธิบาย (help)"].iter_rows(values_only=True))
    assert ("code" in [r[1] for r in help_rows]) and any("ปี" in (r[5] or "") for r in help_rows)
    assert plan_io.read_table(plan_io.template("xlsx"), "t.xlsx").columns == [c.key for c in plan_io.PLAN_COLUMNS]


@pytest.mark.parametrize("header", [
    ["code", "title_th", "pmqa"],
    ["รหัสรายการข้อมูล", "ชื่อข้อมูลที่ต้องการ (ไทย)", "หมวด/ข้อ PMQA"],
    ["Requirement code", "TITLE IN THAI", "PMQA items"],
])
def test_headers_in_thai_english_or_keys(header):
    table = plan_io.read_table(plan_io.write_csv(header, [["R1", "ข้อมูลโรงงาน", "4.1, 4.2"]]), "p.csv")
    assert table.rows == [(2, {"code": "R1", "title_th": "ข้อมูลโรงงาน", "pmqa": "4.1, 4.2"})]


def test_unknown_and_missing_columns_are_named():
    with pytest.raises(plan_io.PlanFileError) as unknown:
        plan_io.read_table(plan_io.write_csv(["code", "title_th", "colour", "size"], []), "p.csv")
    assert '"colour"' in str(unknown.value) and '"size"' in str(unknown.value)
    with pytest.raises(plan_io.PlanFileError) as absent:
        plan_io.read_table(plan_io.write_csv(["code"], []), "p.csv")
    assert "Title in Thai" in str(absent.value)


def test_windows_thai_csv_and_semicolons():
    content = "code;title_th\r\nR1;ข้อมูลน้ำเสีย\r\n".encode("cp874")
    assert plan_io.read_table(content, "p.csv").rows == [(2, {"code": "R1", "title_th": "ข้อมูลน้ำเสีย"})]


def test_xls_and_other_files_are_refused_with_a_reason():
    with pytest.raises(plan_io.PlanFileError, match="xlsx"):
        plan_io.read_table(b"", "plan.xls")
    with pytest.raises(plan_io.PlanFileError, match="neither"):
        plan_io.read_table(b"", "plan.pdf")
    with pytest.raises(plan_io.PlanFileError, match="Excel"):
        plan_io.read_table(b"not a zip", "plan.xlsx")


@pytest.mark.parametrize("dangerous", ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "\tx"])
def test_formula_injection_is_neutralised_and_reads_back_unchanged(dangerous):
    content = plan_io.write_csv(["code", "title_th"], [["R1", dangerous]])
    assert ("'" + dangerous).replace('"', '""') in content.decode("utf-8-sig")
    assert plan_io.read_table(content, "p.csv").rows[0][1]["title_th"] == dangerous.strip()
    workbook = openpyxl.load_workbook(io.BytesIO(plan_io.write_xlsx([("s", ["code", "title_th"], [["R1", dangerous]])])))
    cell = workbook["s"]["B2"]
    assert cell.data_type == "s" and cell.value == "'" + dangerous


# ---------------------------------------------------------------- import action

@pytest.mark.usefixtures("plan_tables")
class TestImport:
    def test_imports_every_row_then_reimport_changes_nothing(self):
        org = factories.Organization(name="pathum-industry")
        rows = [
            row("R-001", "จำนวนโรงงาน", agency="pathum-industry", update_frequency_unit="ปี", pmqa="4.1", priority="สูง"),
            row("R-002", "คุณภาพอากาศ", update_frequency_unit="monthly", update_frequency_interval="1", geo_level="อำเภอ"),
        ]
        first = call_action("provincial_requirement_import", province_code="13", upload=csv_file(rows))
        assert (first["created"], first["updated"], first["unchanged"]) == (2, 0, 0)
        stored = {r["code"]: r for r in call_action("provincial_requirement_list", province_code="13")}
        assert stored["R-001"]["agency"] == org["id"] and stored["R-001"]["priority"] == "high"
        assert stored["R-002"]["update_frequency_unit"] == "เดือน"
        modified = {code: r["modified"] for code, r in stored.items()}

        again = call_action("provincial_requirement_import", province_code="13", upload=csv_file(rows))
        assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
        after = {r["code"]: r["modified"] for r in call_action("provincial_requirement_list", province_code="13")}
        assert after == modified

    def test_export_imports_unchanged(self):
        call_action("provincial_requirement_create", province_code="13", code="R1", title_th="=ข้อมูล", pmqa=["4.1", "4.2"])
        listed = call_action("provincial_requirement_list", province_code="13")
        exported = plan_io.write_xlsx([("plan", HEADER, plan_io.plan_rows(listed))])
        upload = io.BytesIO(exported)
        upload.filename = "plan.xlsx"
        result = call_action("provincial_requirement_import", province_code="13", upload=upload)
        assert (result["created"], result["updated"], result["unchanged"]) == (0, 0, 1)

    def test_one_bad_row_writes_nothing_and_every_error_is_listed(self):
        call_action("provincial_requirement_create", province_code="13", code="R-001", title_th="เดิม")
        rows = [
            row("R-001", "แก้ไขแล้ว"),                                    # valid update
            row("R-002", "", update_frequency_unit="บ่อยๆ"),               # two errors
            row("R-003", "ข้อมูล", agency="no-such-org", priority="urgent"),  # two errors
            row("R-004", "ข้อมูล", province_code="19"),                     # wrong province
            row("r-002", "ซ้ำ"),                                            # duplicate code (case-insensitive)
            row("R,5", "ข้อมูล", pmqa="9.9"),                               # bad code, unknown PMQA
        ]
        with pytest.raises(toolkit.ValidationError) as raised:
            call_action("provincial_requirement_import", province_code="13", upload=csv_file(rows))
        errors = {(e["row"], e["field"]) for e in raised.value.error_dict["rows"]}
        assert errors == {
            (3, "title_th"), (3, "update_frequency_unit"),
            (4, "agency"), (4, "priority"),
            (5, "province_code"),
            (6, "code"),
            (7, "code"), (7, "pmqa"),
        }
        by_place = {(e["row"], e["field"]): e for e in raised.value.error_dict["rows"]}
        assert by_place[(3, "update_frequency_unit")]["column"] == "หน่วยความถี่ของการปรับปรุงข้อมูล (Update frequency unit)"
        assert "row 3" in by_place[(6, "code")]["message"]
        assert "no-such-org" in by_place[(4, "agency")]["message"]
        # nothing half-written
        listed = call_action("provincial_requirement_list", province_code="13")
        assert [(r["code"], r["title_th"]) for r in listed] == [("R-001", "เดิม")]

    def test_dry_run_counts_without_writing(self):
        call_action("provincial_requirement_create", province_code="13", code="R-001", title_th="เดิม")
        rows = [row("R-001", "ใหม่"), row("R-002", "ใหม่")]
        result = call_action("provincial_requirement_import", province_code="13", upload=csv_file(rows), dry_run=True)
        assert (result["created"], result["updated"], result["unchanged"], result["dry_run"]) == (1, 1, 0, True)
        assert [r["title_th"] for r in call_action("provincial_requirement_list", province_code="13")] == ["เดิม"]

    def test_unreadable_file_is_an_upload_error(self):
        upload = io.BytesIO(b"code,colour\r\nR1,red\r\n")
        upload.filename = "plan.csv"
        with pytest.raises(toolkit.ValidationError) as raised:
            call_action("provincial_requirement_import", province_code="13", upload=upload)
        assert "colour" in raised.value.error_dict["upload"][0]

    def test_only_coordinators_may_import(self):
        user = factories.User()
        coordinating_org("19", admin=user)
        with pytest.raises(toolkit.NotAuthorized):
            call_action("provincial_requirement_import", context={"user": user["name"], "ignore_auth": False},
                        province_code="13", upload=csv_file([row("R1")]))
        result = call_action("provincial_requirement_import", context={"user": user["name"], "ignore_auth": False},
                             province_code="19", upload=csv_file([row("R1")]))
        assert result["created"] == 1


@pytest.mark.usefixtures("plan_tables")
def test_cli_import_shows_progress_and_reports(cli, tmp_path):
    from ckanext.provincial.cli import get_commands

    provincial = get_commands()[0]
    path = tmp_path / "plan.xlsx"
    path.write_bytes(plan_io.write_xlsx([("plan", HEADER, [row(f"R-{i:03}", "ข้อมูล") for i in range(1, 51)])]))
    result = cli.invoke(provincial, ["requirement", "import", str(path), "--province", "13"])
    assert result.exit_code == 0, result.output
    assert "50 rows: 50 were added" in result.output
    assert len(call_action("provincial_requirement_list", province_code="13")) == 50

    bad = tmp_path / "bad.csv"
    bad.write_bytes(plan_io.write_csv(HEADER, [row("R-100", "")]))
    failed = cli.invoke(provincial, ["requirement", "import", str(bad), "--province", "13"])
    assert failed.exit_code != 0
    assert "row 2" in failed.output and "nothing was imported" in failed.output
