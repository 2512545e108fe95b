"""The XLSX reader gives what openpyxl gives for every kind of cell, without its memory."""

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from enrollment.imports.xlsx import Workbook
from tests.fixtures.roster import hostile

STRINGS = [
    [b"<t>plain</t>"],
    [b'<r><t>ri</t></r><r><rPr><b/></rPr><t xml:space="preserve">ch </t></r>'
     b'<rPh sb="0" eb="1"><t>PHONETIC</t></rPh>'],
]  # fmt: skip
CELLS = (
    '<c r="A{n}" t="s"><v>0</v></c>'
    '<c r="B{n}" t="s"><v>1</v></c>'
    '<c r="C{n}" t="inlineStr"><is><t>inline</t></is></c>'
    '<c r="D{n}" t="inlineStr"><is><r><t>ri</t></r><r><t>ch</t></r></is></c>'
    '<c r="E{n}" t="b"><v>1</v></c>'
    '<c r="F{n}" t="e"><v>#N/A</v></c>'
    '<c r="G{n}" s="1"><v>45406</v></c>'
    '<c r="H{n}"><v>3.5</v></c>'
    '<c r="I{n}"><v>42</v></c>'
    '<c r="J{n}" t="str"><f>A1&amp;"x"</f><v>plainx</v></c>'
    '<c r="K{n}"><f>1+1</f><v>2</v></c>'
    '<c r="L{n}"><f>1+1</f></c>'
    '<c r="N{n}" t="d"><v>2024-04-24T00:00:00</v></c>'
    '<c t="inlineStr"><is><t>no reference</t></is></c>'
    '<c r="Q{n}" s="1"><v>0.5</v></c>'
    '<c r="R{n}" s="1"><v>1E+3</v></c>'
)


def both(data: bytes) -> tuple[list, list]:
    """(our rows, openpyxl's rows), each as (row number, cells)."""
    ours = list(Workbook(data).rows())
    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = workbook.worksheets[0]
    sheet.reset_dimensions()
    theirs = [(n, r) for n, r in enumerate(sheet.iter_rows(values_only=True), start=1) if r]
    workbook.close()
    return ours, theirs


@pytest.mark.parametrize("date1904", [False, True])
def test_every_kind_of_cell_reads_as_openpyxl_reads_it(date1904):
    rows = [
        f'<row r="1">{CELLS.format(n=1)}</row>'.encode(),
        f"<row>{CELLS.format(n=2)}</row>".encode(),  # no number: the next one
        b'<row r="5"><c r="B5" t="inlineStr"><is><t>after a gap</t></is></c></row>',
        b'<row r="4"><c r="A4" t="inlineStr"><is><t>out of order</t></is></c></row>',
    ]
    workbook = hostile.PARTS["xl/workbook.xml"]
    if date1904:
        workbook = workbook.replace("<sheets>", '<workbookPr date1904="1"/><sheets>')
    data = hostile.xlsx(hostile.sheet_xml(rows), STRINGS, {"xl/workbook.xml": workbook.encode()})

    ours, theirs = both(data)

    assert ours == theirs
    epoch = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    assert ours[0] == (1, (
        "plain", "rich ", "inline", "rich", True, "#N/A", epoch + dt.timedelta(days=45406), 3.5,
        42, "plainx", 2, None, None, dt.datetime(2024, 4, 24), "no reference", None,
        dt.time(12, 0), epoch + dt.timedelta(days=1000),
    ))  # fmt: skip
    assert [number for number, _cells in ours] == [1, 2, 5]


def test_elements_with_a_namespace_prefix_read_the_same():
    sheet = (
        f'<x:worksheet xmlns:x="{hostile.MAIN}"><x:sheetData><x:row r="1">'
        '<x:c r="A1" t="inlineStr"><x:is><x:t>kode_desa</x:t></x:is></x:c>'
        '<x:c r="C1" t="s"><x:v>0</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    ).encode()

    ours, theirs = both(hostile.xlsx([sheet], STRINGS))

    assert ours == theirs == [(1, ("kode_desa", None, "plain"))]
