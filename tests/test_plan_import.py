"""Plan files: templates, reading CSV/XLSX/XLS through the table layer, all-or-nothing import with
row/column errors, idempotent re-import."""
import datetime
import io
import zipfile

import openpyxl
import pytest

import ckan.plugins.toolkit as toolkit
from ckan.tests import factories
from tests.ckan_session import call_action

from ckanext.provincial import plan_io
from tests.gap_support import coordinating_org

pytestmark = pytest.mark.integration

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


def test_files_that_are_no_plan_are_refused_with_a_reason():
    with pytest.raises(plan_io.PlanFileError, match="neither a CSV nor an Excel"):
        plan_io.read_table(b"%PDF-1.4", "plan.pdf")
    with pytest.raises(plan_io.PlanFileError, match="empty"):
        plan_io.read_table(b"", "plan.xls")
    with pytest.raises(plan_io.PlanFileError, match="Excel"):
        plan_io.read_table(b"not a zip", "plan.xlsx")


@pytest.mark.parametrize("content, hint", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
    ("รหัสรายการข้อมูล,ชื่อข้อมูลที่ต้องการ (ไทย)\r\nR1,ข้อมูลโรงงาน\r\n".encode("utf-8-sig"), ""),
])
def test_a_csv_or_pdf_renamed_xlsx_is_refused_naming_the_file(content, hint):
    with pytest.raises(plan_io.PlanFileError) as raised:
        plan_io.read_table(content, "แผนปี2567.xlsx")
    english = raised.value.message()
    assert english.startswith('"แผนปี2567.xlsx" cannot be read') and "not an Excel workbook" in english and hint in english
    # Under a Thai interface the layer's own Thai reason follows the translated sentence.
    thai = raised.value.message(lambda message: {'"{name}" cannot be read: {reason}': '"{name}" อ่านไม่ได้: {reason}'}
                                .get(message, message))
    assert "ไม่ใช่สมุดงาน Excel" in thai and "not an Excel" not in thai


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(24):
                member.write(b" " * (1024 * 1024))
    assert len(bomb.getvalue()) < 200_000
    with pytest.raises(plan_io.PlanFileError) as raised:
        plan_io.read_table(bomb.getvalue(), "plan.xlsx")
    assert "unpack" in raised.value.message() and "plan.xlsx" in raised.value.message()


@pytest.mark.parametrize("dangerous", ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "\tx"])
def test_formula_injection_is_neutralised_and_reads_back_unchanged(dangerous):
    content = plan_io.write_csv(["code", "title_th"], [["R1", dangerous]])
    assert ("'" + dangerous).replace('"', '""') in content.decode("utf-8-sig")
    assert plan_io.read_table(content, "p.csv").rows[0][1]["title_th"] == dangerous.strip()
    workbook = openpyxl.load_workbook(io.BytesIO(plan_io.write_xlsx([("s", ["code", "title_th"], [["R1", dangerous]])])))
    cell = workbook["s"]["B2"]
    assert cell.data_type == "s" and cell.value == "'" + dangerous


# ---------------------------------------------------------------- pure: files as agencies keep them

TITLE = "แผนความต้องการข้อมูลจังหวัดปทุมธานี ข้อมูล ณ วันที่ ๑ ต.ค. ๒๕๖๖"
SOURCE = "ที่มา: สำนักงานสถิติจังหวัดปทุมธานี (ปรับปรุงเมื่อ ๑๕ มี.ค. ๒๕๖๗)"


def workbook_bytes(*sheets, merge=None):
    """An XLSX with one sheet per ``(title, rows)``; ``merge`` is a range to merge on the last sheet."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for number, cells in enumerate(rows, start=1):
            for column, value in enumerate(cells, start=1):
                if value not in (None, ""):
                    sheet.cell(row=number, column=column, value=value)
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xls_bytes(rows, title_merge_width=0):
    xlwt = pytest.importorskip("xlwt", reason="xlwt writes the .xls test files")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("แผน")
    for number, cells in enumerate(rows):
        if number == 0 and title_merge_width:
            sheet.write_merge(0, 0, 0, title_merge_width - 1, cells[0])
            continue
        for column, value in enumerate(cells):
            if value not in (None, ""):
                sheet.write(number, column, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def text_file(lines, encoding="utf-8-sig", delimiter=","):
    return "".join(delimiter.join(cells) + "\r\n" for cells in lines).encode(encoding)


AGENCY_ROWS = [
    ["รหัสจังหวัด", "รหัสรายการข้อมูล", "ชื่อข้อมูลที่ต้องการ (ไทย)", "หน่วยความถี่ของการปรับปรุงข้อมูล"],
    ["13", "PT-01", "จำนวนโรงงานอุตสาหกรรมรายอำเภอ", "ปี"],
    ["13", "PT-02", "ปริมาณขยะมูลฝอยชุมชน", "เดือน"],
]
EXPECTED = [
    {"province_code": "13", "code": "PT-01", "title_th": "จำนวนโรงงานอุตสาหกรรมรายอำเภอ", "update_frequency_unit": "ปี"},
    {"province_code": "13", "code": "PT-02", "title_th": "ปริมาณขยะมูลฝอยชุมชน", "update_frequency_unit": "เดือน"},
]


@pytest.mark.parametrize("encoding", ["cp874", "utf-8-sig", "utf-8"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_a_csv_saved_by_excel_with_a_title_above_and_notes_under_the_table(encoding, delimiter):
    width = len(AGENCY_ROWS[0])
    lines = [[TITLE] + [""] * (width - 1), [""] * width] + AGENCY_ROWS + [[""] * width, [SOURCE] + [""] * (width - 1)]
    table = plan_io.read_table(text_file(lines, encoding, delimiter), "แผน.csv")
    # Rows as Excel numbers them: title 1, blank 2, header 3.
    assert table.rows == [(4, EXPECTED[0]), (5, EXPECTED[1])]
    assert (table.title, table.notes) == ([TITLE], [SOURCE])


def test_rows_keep_the_number_excel_shows_when_a_cell_spans_lines():
    content = plan_io.write_csv(["code", "title_th", "purpose"], [
        ["R1", "ข้อมูลโรงงาน", "ใช้วางแผน\nและติดตามผล\nรายไตรมาส"],
        ["R2", "ข้อมูลขยะ", ""],
    ])
    assert [number for number, _ in plan_io.read_table(content, "p.csv").rows] == [2, 3]


def test_a_row_left_half_filled_at_the_bottom_is_read_not_taken_for_a_note():
    rows = [["R1", "ข้อมูลโรงงาน"], ["R2", ""]]
    csv_table = plan_io.read_table(plan_io.write_csv(["code", "title_th"], rows), "p.csv")
    xlsx_table = plan_io.read_table(workbook_bytes(("plan", [["code", "title_th"]] + rows)), "p.xlsx")
    for table in (csv_table, xlsx_table):
        assert table.rows == [(2, {"code": "R1", "title_th": "ข้อมูลโรงงาน"}), (3, {"code": "R2", "title_th": ""})]
        assert table.notes == []
    # Marked as a note ("หมายเหตุ", "*") or set apart by a blank row, it is a note.
    for tail in ([["หมายเหตุ: รายการที่ยังไม่ระบุหน่วยงาน", ""]], [["", ""], ["จัดทำโดย กลุ่มงานสารสนเทศ", ""]]):
        table = plan_io.read_table(plan_io.write_csv(["code", "title_th"], rows[:1] + tail), "p.csv")
        assert [number for number, _ in table.rows] == [2] and table.notes == [tail[-1][0]]


def test_a_workbook_with_a_merged_title_a_blank_row_and_notes_under_the_table():
    width = len(AGENCY_ROWS[0])
    content = workbook_bytes(("แผนความต้องการข้อมูล", [[TITLE], []] + AGENCY_ROWS + [[], [SOURCE], ["* รหัสตามบัญชีข้อมูลจังหวัด"]]),
                             merge=f"A1:{openpyxl.utils.get_column_letter(width)}1")
    table = plan_io.read_table(content, "แผน.xlsx")
    assert table.rows == [(4, EXPECTED[0]), (5, EXPECTED[1])]
    assert table.title == [TITLE] and table.notes == [SOURCE, "* รหัสตามบัญชีข้อมูลจังหวัด"]


def test_the_plan_sheet_is_found_after_a_cover_sheet():
    cover = [["คำอธิบาย", "ตัวอย่าง"], ["กรอกหนึ่งแถวต่อหนึ่งรายการ", "PT-01"]]
    table = plan_io.read_table(workbook_bytes(("คำอธิบาย", cover), ("plan", AGENCY_ROWS)), "plan.xlsx")
    assert table.rows == [(2, EXPECTED[0]), (3, EXPECTED[1])]


def test_an_xls_plan_is_read():
    rows = [[TITLE], []] + AGENCY_ROWS + [[], [SOURCE]]
    table = plan_io.read_table(xls_bytes(rows, title_merge_width=len(AGENCY_ROWS[0])), "แผน.xls")
    assert table.rows == [(4, EXPECTED[0]), (5, EXPECTED[1])]
    assert (table.title, table.notes) == ([TITLE], [SOURCE])
    # An .xls saved under an .xlsx name is read all the same.
    assert plan_io.read_table(xls_bytes(AGENCY_ROWS), "plan.xlsx").rows == [(2, EXPECTED[0]), (3, EXPECTED[1])]


def test_workbook_cells_are_read_as_text_dates_in_iso():
    content = workbook_bytes(("plan", [
        ["code", "title_th", "update_frequency_interval", "source_plan"],
        [101, "ข้อมูลโรงงาน", 3.0, datetime.date(2024, 3, 15)],
    ]))
    assert plan_io.read_table(content, "p.xlsx").rows == [
        (2, {"code": "101", "title_th": "ข้อมูลโรงงาน", "update_frequency_interval": "3", "source_plan": "2024-03-15"})]


def test_thai_digits_in_codes_and_numbers_are_read_as_digits_titles_keep_theirs():
    content = plan_io.write_csv(["province_code", "code", "title_th", "update_frequency_interval", "priority", "pmqa"],
                                [["๑๓", "ปท-๐๑", "สถิติการท่องเที่ยว ปี ๒๕๖๖", "๑๒", "๑", "๔.๑, ๔.๒"]])
    assert plan_io.read_table(content, "p.csv").rows == [(2, {
        "province_code": "13", "code": "ปท-๐๑", "title_th": "สถิติการท่องเที่ยว ปี ๒๕๖๖",
        "update_frequency_interval": "12", "priority": "1", "pmqa": "4.1, 4.2"})]


def test_a_formula_saved_without_its_value_is_refused_naming_its_cell():
    book = openpyxl.Workbook()
    book.active.append(["code", "title_th"])
    book.active.append(["R1", "=CONCAT(\"ข้อมูล\", \"โรงงาน\")"])  # written by a program, never opened in Excel
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(plan_io.PlanFileError) as raised:
        plan_io.read_table(out.getvalue(), "p.xlsx")
    assert "row 2, column B" in raised.value.message()


def test_a_csv_in_neither_utf8_nor_windows_thai_is_refused():
    with pytest.raises(plan_io.PlanFileError, match="neither UTF-8 nor Thai Windows"):
        plan_io.read_table("code,title_th\r\nR1,caf\xe9 cr\xe8me\r\n".encode("latin-1"), "p.csv")


def test_a_csv_mixing_utf8_and_windows_thai_names_its_row():
    content = "code,title_th\r\nR1,ข้อมูลโรงงาน\r\n".encode("utf-8") + "R2,ข้อมูลขยะ\r\n".encode("cp874")
    with pytest.raises(plan_io.PlanFileError) as raised:
        plan_io.read_table(content, "p.csv")
    assert "Row 3" in raised.value.message()


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

    def test_an_agency_workbook_imports_with_excel_row_numbers_in_its_errors(self):
        rows = [[TITLE], []] + AGENCY_ROWS + [["13", "PT-03", "", "ทุกวัน"], [], [SOURCE]]
        upload = io.BytesIO(xls_bytes(rows, title_merge_width=len(AGENCY_ROWS[0])))
        upload.filename = "แผนความต้องการข้อมูล.xls"
        with pytest.raises(toolkit.ValidationError) as raised:
            call_action("provincial_requirement_import", province_code="13", upload=upload)
        assert {(e["row"], e["field"]) for e in raised.value.error_dict["rows"]} == {(6, "title_th"), (6, "update_frequency_unit")}
        assert call_action("provincial_requirement_list", province_code="13") == []

        upload = io.BytesIO(xls_bytes(rows[:5] + rows[6:], title_merge_width=len(AGENCY_ROWS[0])))
        upload.filename = "แผนความต้องการข้อมูล.xls"
        result = call_action("provincial_requirement_import", province_code="13", upload=upload)
        assert (result["created"], result["notes"]) == (2, [SOURCE])
        stored = {r["code"]: r for r in call_action("provincial_requirement_list", province_code="13")}
        assert stored["PT-02"]["title_th"] == "ปริมาณขยะมูลฝอยชุมชน" and stored["PT-02"]["update_frequency_unit"] == "เดือน"

    def test_thai_digits_are_stored_as_digits(self):
        content = text_file([["รหัสจังหวัด", "รหัสรายการข้อมูล", "ชื่อข้อมูลที่ต้องการ (ไทย)", "ค่าความถี่ของการปรับปรุงข้อมูล",
                              "หน่วยความถี่ของการปรับปรุงข้อมูล", "ลำดับความสำคัญ", "หมวด/ข้อ PMQA"],
                             ["๑๓", "PT-๐๑", "สถิตินักท่องเที่ยว พ.ศ. ๒๕๖๖", "๓", "เดือน", "๑", "๔.๑"]], "cp874", ";")
        upload = io.BytesIO(content)
        upload.filename = "plan.csv"
        assert call_action("provincial_requirement_import", province_code="13", upload=upload)["created"] == 1
        [stored] = call_action("provincial_requirement_list", province_code="13")
        assert (stored["code"], stored["title_th"], stored["update_frequency_interval"], stored["priority"], stored["pmqa"]) == (
            "PT-๐๑", "สถิตินักท่องเที่ยว พ.ศ. ๒๕๖๖", 3, "high", ["4.1"])

    def test_a_pdf_renamed_xlsx_is_an_upload_error(self):
        upload = io.BytesIO(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
        upload.filename = "plan.xlsx"
        with pytest.raises(toolkit.ValidationError) as raised:
            call_action("provincial_requirement_import", province_code="13", upload=upload)
        assert "PDF" in raised.value.error_dict["upload"][0] and "plan.xlsx" in raised.value.error_dict["upload"][0]

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

    noted = tmp_path / "noted.csv"
    noted.write_bytes(plan_io.write_csv(HEADER, [row("R-051", "ข้อมูล"), row("", ""), ["หมายเหตุ: ทดสอบ"]]))
    result = cli.invoke(provincial, ["requirement", "import", str(noted), "--province", "13"])
    assert result.exit_code == 0, result.output
    assert "1 rows: 1 were added" in result.output and "note under the table: หมายเหตุ: ทดสอบ" in result.output
    assert len(call_action("provincial_requirement_list", province_code="13")) == 51

    bad = tmp_path / "bad.csv"
    bad.write_bytes(plan_io.write_csv(HEADER, [row("R-100", "")]))
    failed = cli.invoke(provincial, ["requirement", "import", str(bad), "--province", "13"])
    assert failed.exit_code != 0
    assert "row 2" in failed.output and "nothing was imported" in failed.output
