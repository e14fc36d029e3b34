"""Workbooks as agencies make them: titles, blank rows, two-row headers, notes, many sheets (pure, no CKAN)."""
from __future__ import annotations

import datetime
import zipfile

import openpyxl
import pytest

from ckanext.provincial.tables import workbook
from ckanext.provincial.tables.workbook import WorkbookError, read_workbook
from ckanext.provincial.content_checks import content

pytestmark = pytest.mark.unit

TITLE = "ตารางที่ 1 จำนวนประชากรจังหวัดปทุมธานี จำแนกรายอำเภอ ปี พ.ศ. 2566"
SOURCE = "ที่มา: สำนักงานสถิติจังหวัดปทุมธานี"
HEADERS = ["อำเภอ", "ปี พ.ศ.", "จำนวน (คน)", "วันที่สำรวจ"]


def agency_sheet(sheet, first_column: int = 1):
    """Title merged across the table, a blank row, the header, data with a blank row inside, a note."""
    pad = [None] * (first_column - 1)
    sheet.cell(row=1, column=first_column, value=TITLE)
    sheet.merge_cells(start_row=1, start_column=first_column, end_row=1, end_column=first_column + 3)
    sheet.append([])
    sheet.append(pad + HEADERS)
    sheet.append(pad + ["เมืองปทุมธานี", "2566", 215_300, "15/01/2566"])
    sheet.append(pad + ["คลองหลวง", "2566", 318_246, "16/01/2566"])
    sheet.append([])
    sheet.append(pad + ["ธัญบุรี", "2566", 201_233, "17/01/2566"])
    sheet.append([])
    sheet.append(pad + [SOURCE])


def save(book, tmp_path, name="agency.xlsx") -> str:
    path = str(tmp_path / name)
    book.save(path)
    return path


@pytest.fixture
def agency_file(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "ประชากร"
    agency_sheet(book.active)
    return save(book, tmp_path)


def test_title_blank_rows_header_data_and_source_note(agency_file):
    found = read_workbook(agency_file, "xlsx")
    assert found.skipped == []
    [table] = found.tables
    assert (table.sheet, table.index, table.header_row, table.header_rows) == ("ประชากร", 0, 3, [3])
    assert table.headers == HEADERS
    assert table.title == [TITLE]
    assert table.footnotes == [SOURCE]
    assert table.row_count == 3
    assert list(table.rows()) == [
        (4, ["เมืองปทุมธานี", "2566", "215300", "15/01/2566"]),
        (5, ["คลองหลวง", "2566", "318246", "16/01/2566"]),
        (7, ["ธัญบุรี", "2566", "201233", "17/01/2566"]),
    ]


def test_rows_can_be_read_again(agency_file):
    [table] = read_workbook(agency_file, "xlsx").tables
    assert list(table.rows()) == list(table.rows())


def test_table_that_starts_in_column_b(tmp_path):
    book = openpyxl.Workbook()
    agency_sheet(book.active, first_column=2)
    [table] = read_workbook(save(book, tmp_path), "xlsx").tables
    assert (table.first_column, table.headers, table.footnotes) == (2, HEADERS, [SOURCE])
    assert next(table.rows()) == (4, ["เมืองปทุมธานี", "2566", "215300", "15/01/2566"])


def test_two_row_header_with_merged_group_cells(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["ตารางที่ 2 ผู้มีงานทำ จำแนกตามเพศ และอำเภอ"])
    sheet.merge_cells("A1:G1")
    sheet.append([None, None, None, None, None, None, "หน่วย : คน"])  # the unit, at the table's right
    sheet.append(["ลำดับ", "อำเภอ", "พ.ศ. 2565", None, "พ.ศ. 2566", None, "หมายเหตุ"])
    sheet.append([None, None, "ชาย", "หญิง", "ชาย", "หญิง", None])
    for merged in ("A3:A4", "B3:B4", "C3:D3", "E3:F3", "G3:G4"):
        sheet.merge_cells(merged)
    sheet.append([1, "ลาดหลุมแก้ว", 20_311, 21_002, 20_500, 21_340, None])
    sheet.append([2, "ลำลูกกา", 80_120, 83_004, 81_000, 84_020, "รวมหมู่บ้านจัดสรร"])
    sheet.append(["หมายเหตุ: * ข้อมูลเบื้องต้น"])
    sheet.append(["แหล่งที่มา: สำนักงานจัดหางานจังหวัดปทุมธานี"])
    [table] = read_workbook(save(book, tmp_path), "xlsx").tables
    assert (table.header_rows, table.header_row) == ([3, 4], 4)
    assert table.headers == ["ลำดับ", "อำเภอ", "พ.ศ. 2565 — ชาย", "พ.ศ. 2565 — หญิง",
                             "พ.ศ. 2566 — ชาย", "พ.ศ. 2566 — หญิง", "หมายเหตุ"]
    assert table.title == ["ตารางที่ 2 ผู้มีงานทำ จำแนกตามเพศ และอำเภอ", "หน่วย : คน"]
    assert table.footnotes == ["หมายเหตุ: * ข้อมูลเบื้องต้น", "แหล่งที่มา: สำนักงานจัดหางานจังหวัดปทุมธานี"]
    assert [number for number, _ in table.rows()] == [5, 6]
    assert table.row_count == 2


def test_several_sheets_empty_notes_hidden_and_two_tables(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "คำชี้แจง"
    book.active.append(["คำอธิบายชุดข้อมูล"])
    book.active.append(["ข้อมูลนี้รวบรวมจากรายงานประจำปีของหน่วยงานในจังหวัด"])
    book.create_sheet("Sheet2")
    first = book.create_sheet("ประชากร")
    agency_sheet(first)
    hidden = book.create_sheet("คำนวณ")
    hidden.append(["a", "b"])
    hidden.append([1, 2])
    hidden.sheet_state = "hidden"
    second = book.create_sheet("โรงเรียน")
    second.append(["ชื่อโรงเรียน", "อำเภอ", "จำนวนนักเรียน (คน)"])
    second.append(["โรงเรียนปทุมวิไล", "เมืองปทุมธานี", 3120])
    found = read_workbook(save(book, tmp_path), "xlsx")
    assert [(t.sheet, t.index, t.header_row) for t in found.tables] == [("ประชากร", 2, 3), ("โรงเรียน", 4, 1)]
    assert [(s["sheet"], s["reason"]) for s in found.skipped] == [
        ("คำชี้แจง", "no-table"), ("Sheet2", "empty"), ("คำนวณ", "hidden")]
    assert found.skipped[0]["note"] == "คำอธิบายชุดข้อมูล"


def test_chart_sheet_is_left_out(tmp_path):
    from openpyxl.chart import BarChart, Reference

    book = openpyxl.Workbook()
    agency_sheet(book.active)
    chart = BarChart()
    chart.add_data(Reference(book.active, min_col=3, min_row=3, max_row=5), titles_from_data=True)
    book.create_chartsheet("กราฟ").add_chart(chart)
    found = read_workbook(save(book, tmp_path), "xlsx")
    assert len(found.tables) == 1
    assert [(s["sheet"], s["reason"]) for s in found.skipped] == [("กราฟ", "chart")]


def test_cells_as_text_dates_numbers_thai_digits_and_booleans(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["รายการ", "วันที่ (พ.ศ.)", "วันที่รับเรื่อง", "เวลา", "งบประมาณ (บาท)", "อัตรา", "เลขที่", "ผ่าน"])
    sheet.append(["ก.", "๑๕ ม.ค. ๒๕๖๖", datetime.date(2023, 1, 15), datetime.datetime(2023, 1, 15, 8, 30),
                  1234.0, 0.1 + 0.2, " ๐๑๒๓ ", True])
    sheet.append(["ข.", "31/12/2566", datetime.datetime(2023, 12, 31), datetime.datetime(2023, 12, 31, 23, 59, 59),
                  12_345_678_901, 0.000015, "0812345678", False])
    [table] = read_workbook(save(book, tmp_path), "xlsx").tables
    assert list(table.rows()) == [
        (2, ["ก.", "๑๕ ม.ค. ๒๕๖๖", "2023-01-15", "2023-01-15T08:30:00", "1234", "0.3", "๐๑๒๓", "TRUE"]),
        (3, ["ข.", "31/12/2566", "2023-12-31", "2023-12-31T23:59:59", "12345678901", "0.000015", "0812345678", "FALSE"]),
    ]


@pytest.mark.parametrize("value, text", [(1e20, "100000000000000000000"), (-0.5, "-0.5"), (2.50, "2.5"),
                                         (1 / 3, "0.333333333333333"), (-0.0, "0"), (7, "7")])
def test_numbers_in_plain_notation(value, text):
    assert workbook.number_text(value) == text


def test_formula_cells_give_their_saved_value_or_are_counted(tmp_path):
    import xlsxwriter

    path = str(tmp_path / "formulas.xlsx")
    book = xlsxwriter.Workbook(path)
    sheet = book.add_worksheet("งบประมาณ")
    sheet.write_row(0, 0, ["โครงการ", "งบประมาณ (บาท)", "รวม (บาท)", "หมายเหตุ"])
    sheet.write_row(1, 0, ["ถนน", 100])
    sheet.write_formula(1, 2, "=B2*2", None, 200)             # saved by Excel with its value
    sheet.write_formula(1, 3, '=IF(B2>0,"",B2)', None, "")    # a formula whose value is empty text (below)
    sheet.write_row(2, 0, ["สะพาน", 50])
    sheet.write_formula(2, 2, "=B3*2")                        # written by a program: no value saved
    book.close()
    # As Excel saves them: an empty text result is typed t="str"; a formula never calculated has no value
    # (xlsxwriter saves 0 for it).
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet_xml = parts["xl/worksheets/sheet1.xml"].decode()
    assert '<c r="D2"><f>' in sheet_xml and "<f>B3*2</f><v>0</v>" in sheet_xml
    sheet_xml = sheet_xml.replace('<c r="D2"><f>', '<c r="D2" t="str"><f>')
    parts["xl/worksheets/sheet1.xml"] = sheet_xml.replace("<f>B3*2</f><v>0</v>", "<f>B3*2</f>").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)

    [table] = read_workbook(path, "xlsx").tables
    assert list(table.rows()) == [(2, ["ถนน", "100", "200", None]), (3, ["สะพาน", "50", None, None])]
    assert (table.formulas_without_value, table.formula_cells_without_value) == (1, [(3, 3)])


def test_openpyxl_formula_without_value_is_counted(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["อำเภอ", "ชาย", "หญิง", "รวม"])
    book.active.append(["สามโคก", 10, 12, "=B2+C2"])
    [table] = read_workbook(save(book, tmp_path), "xlsx").tables
    assert list(table.rows()) == [(2, ["สามโคก", "10", "12", None])]
    assert table.formulas_without_value == 1 and table.formula_cells_without_value == [(2, 4)]


def test_large_sheet_is_streamed_and_counted_after_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "LOOKAHEAD_ROWS", 20)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("ทะเบียน")
    sheet.append(["รายงานทะเบียนราษฎร"])
    sheet.append(["เลขที่", "ชื่อหมู่บ้าน", "จำนวนครัวเรือน"])
    for number in range(1, 501):
        sheet.append([number, f"หมู่ที่ {number}", number * 3])
    sheet.append([])
    sheet.append(["* ข้อมูล ณ สิ้นปี พ.ศ. 2566"])
    path = str(tmp_path / "big.xlsx")
    book.save(path)
    [table] = read_workbook(path, "xlsx").tables
    assert (table.header_row, table.row_count, table.footnotes) == (2, None, [])
    rows = list(table.rows())
    assert len(rows) == 500 and rows[-1] == (502, ["500", "หมู่ที่ 500", "1500"])
    assert (table.row_count, table.footnotes) == (500, ["* ข้อมูล ณ สิ้นปี พ.ศ. 2566"])


def test_last_row_of_one_cell_right_under_the_table_is_data(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["อำเภอ", "จำนวนวัด (แห่ง)", "หมายเหตุ"])
    book.active.append(["หนองเสือ", 12, None])
    book.active.append(["ลาดหลุมแก้ว", None, None])   # a value missing, not a note
    [table] = read_workbook(save(book, tmp_path), "xlsx").tables
    assert [number for number, _ in table.rows()] == [2, 3] and table.footnotes == []


def test_sheet_without_header_is_no_table(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["สรุปผลการดำเนินงาน"])
    book.active.append(["ปีงบประมาณ พ.ศ. 2566 ดำเนินการแล้วเสร็จทุกโครงการ"])
    with pytest.raises(WorkbookError) as raised:
        read_workbook(save(book, tmp_path), "xlsx")
    assert raised.value.code == "no-table" and "ตาราง" in raised.value.message_th


# ------------------------------------------------------------ hostile files --


def test_zip_bomb_by_declared_size(tmp_path):
    path = str(tmp_path / "bomb.xlsx")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (3 * 1024 * 1024))
    assert (tmp_path / "bomb.xlsx").stat().st_size < 20_000
    with pytest.raises(WorkbookError) as raised:
        read_workbook(path, "xlsx", max_uncompressed_bytes=1024 * 1024)
    assert raised.value.code == "zip-bomb"


def test_zip_bomb_by_compression_ratio_under_the_default_cap(tmp_path):
    path = str(tmp_path / "ratio.xlsx")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(24):
                member.write(b" " * (1024 * 1024))
    with pytest.raises(WorkbookError) as raised:
        read_workbook(path, "xlsx")
    assert raised.value.code == "zip-bomb" and ":1" in raised.value.message


@pytest.mark.parametrize("data, hint", [
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
    ("อำเภอ,จำนวน\nเมือง,1\n".encode(), ""),
    (b"PK\x03\x04 this is not a workbook", ""),
    (b"", "empty"),
])
def test_file_that_is_not_a_workbook(tmp_path, data, hint):
    path = tmp_path / "renamed.xlsx"
    path.write_bytes(data)
    with pytest.raises(WorkbookError) as raised:
        read_workbook(str(path), "xlsx")
    assert raised.value.code == "not-a-workbook" and hint in raised.value.message
    assert raised.value.message_th.startswith("ไฟล์นี้ไม่ใช่สมุดงาน Excel")


def test_zip_that_is_not_a_workbook(tmp_path):
    path = str(tmp_path / "document.xlsx")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", "<document/>")
    with pytest.raises(WorkbookError) as raised:
        read_workbook(path, "xlsx")
    assert raised.value.code == "not-a-workbook"


# ---------------------------------------------------------------------- xls --
# xlwt (writes .xls) is installed in the development venv but is not a declared dependency.


def xls_file(tmp_path) -> str:
    xlwt = pytest.importorskip("xlwt", reason="xlwt writes the .xls test files")
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("ประชากร")
    sheet.write_merge(0, 0, 0, 3, TITLE)
    for column, text in enumerate(HEADERS):
        sheet.write(2, column, text)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    sheet.write(3, 0, "เมืองปทุมธานี")
    sheet.write(3, 1, "2566")
    sheet.write(3, 2, 215300)
    sheet.write(3, 3, datetime.date(2023, 1, 15), date_style)
    sheet.write(5, 0, "คลองหลวง")
    sheet.write(5, 1, "๒๕๖๖")
    sheet.write(5, 2, 318246.5)
    sheet.write(5, 3, datetime.datetime(2023, 1, 16, 8, 30), xlwt.easyxf(num_format_str="YYYY-MM-DD HH:MM"))
    sheet.write(7, 0, SOURCE)
    book.add_sheet("ว่าง")
    path = str(tmp_path / "agency.xls")
    book.save(path)
    return path


def test_xls_workbook(tmp_path):
    found = read_workbook(xls_file(tmp_path), "xls")
    [table] = found.tables
    assert (table.header_row, table.headers, table.title, table.footnotes) == (3, HEADERS, [TITLE], [SOURCE])
    assert list(table.rows()) == [(4, ["เมืองปทุมธานี", "2566", "215300", "2023-01-15"]),
                                  (6, ["คลองหลวง", "๒๕๖๖", "318246.5", "2023-01-16T08:30:00"])]
    assert found.skipped == [{"sheet": "ว่าง", "reason": "empty", "note": ""}]


def test_xls_named_xlsx_is_read_by_its_content(tmp_path):
    source = xls_file(tmp_path)
    renamed = tmp_path / "agency.xlsx"
    renamed.write_bytes(open(source, "rb").read())
    assert read_workbook(str(renamed), "xlsx").tables[0].footnotes == [SOURCE]


def test_encrypted_workbook(tmp_path):
    # An encrypted XLSX is an OLE2 file holding an "EncryptedPackage" stream: rename the stream of an .xls.
    data = bytearray(open(xls_file(tmp_path), "rb").read())
    name = "Workbook".encode("utf-16-le")
    at = data.index(name)
    entry = "EncryptedPackage\0".encode("utf-16-le")
    data[at:at + 64] = entry.ljust(64, b"\0")
    data[at + 64:at + 66] = len(entry).to_bytes(2, "little")
    path = tmp_path / "locked.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(WorkbookError) as raised:
        read_workbook(str(path), "xlsx")
    assert raised.value.code == "encrypted" and "password" in raised.value.message
    assert "รหัสผ่าน" in raised.value.message_th


# ------------------------------------------------------------ content check --


def test_agency_workbook_checks_clean_and_the_report_says_what_was_read(agency_file):
    report = content.check_table(agency_file, "XLSX")
    assert (report["status"], report["error_count"], report["rows_checked"]) == ("success", 0, 3), report["errors"]
    assert report["workbook"]["sheet"] == "ประชากร"
    assert report["workbook"]["header_row"] == 3
    assert report["workbook"]["title"] == [TITLE]
    assert report["workbook"]["footnotes"] == [SOURCE]
    assert report["workbook"]["skipped"] == []


def test_workbook_errors_name_excel_rows_and_columns(tmp_path):
    book = openpyxl.Workbook()
    agency_sheet(book.active, first_column=2)
    book.active["D7"] = "ไม่ทราบ"   # ธัญบุรี's count, row 7 under a blank row 6, in column D
    book.create_sheet("ว่าง")
    schema = {"fields": [{"name": "อำเภอ", "type": "string"}, {"name": "ปี พ.ศ.", "type": "string"},
                         {"name": "จำนวน (คน)", "type": "integer"}, {"name": "วันที่สำรวจ", "type": "string"}]}
    report = content.check_table(save(book, tmp_path), "xlsx", schema=schema)
    assert report["status"] == "failure"
    assert [(e["code"], e["row"], e["column"], e["cell"]) for e in report["errors"]] == [
        ("type-error", 7, 4, "ไม่ทราบ")]
    assert report["workbook"]["first_column"] == 2
    assert report["workbook"]["skipped"] == [{"sheet": "ว่าง", "reason": "empty", "note": ""}]


@pytest.mark.parametrize("data, code", [(b"%PDF-1.4\n", "format-error"), (b"PK\x03\x04 broken", "format-error")])
def test_content_check_of_a_file_that_is_not_a_workbook(tmp_path, data, code):
    path = tmp_path / "report.xlsx"
    path.write_bytes(data)
    report = content.check_table(str(path), "XLSX")
    assert (report["status"], report["errors"][0]["code"]) == ("error", code)


def test_merged_ranges_of_a_sheet_read_by_position(tmp_path, agency_file):
    book = openpyxl.load_workbook(agency_file)
    book.active.merge_cells("B4:B5")
    book.save(agency_file)
    with workbook.open_workbook(agency_file) as opened:
        assert opened.merged_ranges("ประชากร") == ["A1:D1", "B4:B5"]


def test_merged_ranges_of_an_xls_sheet(tmp_path):
    with workbook.open_workbook(xls_file(tmp_path)) as opened:
        assert opened.merged_ranges("ประชากร") == ["A1:D1"]
        assert opened.merged_ranges("ว่าง") == []
