"""Take-away links: every table as CSV and XLSX inside the page, cells never formulas."""

from __future__ import annotations

import base64
import io
import re

import openpyxl
import pytest

from cmmc_analysis.report.downloads import add_downloads, neutralise, table_rows, to_csv

PAGE = (
    "<p>x</p><table><thead><tr><th>Domanda</th><th>Quota</th></tr></thead><tbody>"
    "<tr><td>Più d&#39;accordo</td><td>66,4 %</td></tr>"
    "<tr><td>=HYPERLINK(&quot;http://x&quot;)</td><td>-5,1 %</td></tr>"
    "<tr><td>@SUM(A1)</td><td>+1</td></tr></tbody></table>"
    "<table><tr><th>n</th></tr><tr><td>\tx</td></tr></table>"
)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised(start: str) -> None:
    assert neutralise(start + "1") == "'" + start + "1"
    assert neutralise("a" + start) == "a" + start


def _links(page: str) -> list[tuple[str, str, bytes]]:
    found = re.findall(r'download="([^"]+)" href="data:([^;]+)[^,]*,([^"]+)"', page)
    return [(name, kind, base64.b64decode(data)) for name, kind, data in found]


def test_each_table_gets_csv_and_xlsx_with_the_cells_neutralised() -> None:
    page = add_downloads(PAGE, lang="it")
    links = _links(page)
    assert [(n, k) for n, k, _ in links] == [
        ("tabella-1.csv", "text/csv"),
        ("tabella-1.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("tabella-2.csv", "text/csv"),
        ("tabella-2.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ]
    csv_text = links[0][2].decode("utf-8-sig")
    assert csv_text.splitlines() == [
        "Domanda,Quota",
        "Più d'accordo,66,4 %".replace("66,4 %", '"66,4 %"'),
        '"\'=HYPERLINK(""http://x"")","\'-5,1 %"',
        "'@SUM(A1),'+1",
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(links[1][2])).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[2] == ['\'=HYPERLINK("http://x")', "'-5,1 %"]
    assert all(c.data_type == "s" for row in sheet.iter_rows() for c in row)  # no formula
    assert table_rows(PAGE)[1] == [["n"], ["x"]]  # cell texts with their spaces normalised
    assert to_csv([["\tx"]]).decode("utf-8-sig") == "'\tx\r\n"
