import os
import tempfile
import zipfile
from datetime import date, datetime, time

import openpyxl

from odoo.tests import BaseCase, tagged

from ..models.audit_columns import AMOUNT, DATE, DATETIME, INTEGER, Column
from ..models.audit_writer import AuditWriter

COLUMNS = [
    Column("label", "Label"),
    Column("day", "Day", DATE),
    Column("moment", "Moment", DATETIME),
    Column("amount", "Amount", AMOUNT, total=True),
    Column("amount_currency", "Amount in Currency", AMOUNT, currency="currency"),
    Column("currency", "Currency"),
    Column("count", "Count", INTEGER, total=True),
    Column("note", "Note"),
]
ROWS = [
    ("Plain", date(2025, 3, 1), datetime(2025, 3, 1, 13, 45, 7), 1234.5, 10.125, "KWD", 7, "first"),
    ("A & B <c> d", date(1900, 1, 15), datetime(2024, 2, 29, 0, 0, 1), -0.01, 1500.0, "JPY", 0, " leading"),
    ("trailing ", date(2025, 12, 31), None, 0.0, -2.5, "EUR", None, "tab\tinside"),
    (None, None, None, None, None, None, None, None),  # no value: no row in the sheet
    ("control\x01char", None, None, 1e-7, None, "", 12, "two\nlines"),
    ("_x0041_ looks escaped", None, None, 123456789012.34, None, None, -3, "\ufffe\uffff"),
    ("Société Générale – 東京", None, None, 0.1 + 0.2, None, None, None, "x" * 40000),
    (12345, date(2025, 1, 1), datetime(2025, 1, 1), 5.0, 5.0, "KWD", 1, ""),
    ("no-break space at the end\xa0", None, None, None, None, None, None, "\u3000ideographic space first"),
]
CURRENCY_DECIMALS = {"KWD": 3, "JPY": 0, "EUR": 2}


class Dataset:
    key, label, columns = "sample", "Sample", COLUMNS

    def __init__(self, rows):
        self._rows = rows

    def rows(self):
        yield from self._rows


class CellApiRows:
    """The reference: each cell through xlsxwriter's own write_* calls, as the writer wrote them before."""

    def __init__(self, writer, sheet, columns):
        self.writer, self.sheet, self.columns = writer, sheet, columns

    def add_row(self, row, values, decimals):
        formats, sheet = self.writer.formats, self.sheet
        for index, col in enumerate(self.columns):
            value = values[index]
            if value is None or value == "":
                continue
            if col.type == DATE:
                sheet.write_datetime(row, index, datetime.combine(value, time()), formats[DATE])
            elif col.type == DATETIME:
                sheet.write_datetime(row, index, value, formats[DATETIME])
            elif col.type == AMOUNT:
                sheet.write_number(row, index, value, self.writer._amount_format(decimals[index]))
            elif col.type == INTEGER:
                sheet.write_number(row, index, value, formats[INTEGER])
            else:
                sheet.write_string(row, index, value if isinstance(value, str) else str(value))

    def close(self):
        return None


class CellApiWriter(AuditWriter):
    def _sheet_rows(self, sheet, columns):
        return CellApiRows(self, sheet, columns)


@tagged("at_install", "-post_install")
class TestAuditSheetRows(BaseCase):
    """The audit sheets' rows, written a row at a time as XML, are the file xlsxwriter writes cell by cell."""

    def _workbook(self, writer_class, rows, folder, name, max_rows=1000):
        path = os.path.join(folder, name)
        writer = writer_class(path, None, decimals=2, max_rows=max_rows, currency_decimals=CURRENCY_DECIMALS)
        result = writer.write_dataset(Dataset(rows))
        writer.close()
        return path, result

    @staticmethod
    def _parts(path):
        with zipfile.ZipFile(path) as archive:
            return {name: archive.read(name) for name in archive.namelist()
                    if name.startswith("xl/worksheets/") or name == "xl/styles.xml"}

    def test_same_file_as_xlsxwriter_cell_by_cell(self):
        """Special texts (XML characters, control characters, _xHHHH_, non-characters, white space at either
        end, over 32,767 characters, a number in a text column), dates before 1 March 1900, datetimes, amounts
        in three currencies' decimals, an empty row, and a sheet split after 3 rows: every sheet's XML and the
        styles are the same bytes both ways, and so are the row count and totals."""
        with tempfile.TemporaryDirectory() as folder:
            for max_rows in (1000, 3):
                fast, fast_result = self._workbook(AuditWriter, ROWS, folder, f"rows_{max_rows}.xlsx", max_rows)
                cells, cells_result = self._workbook(CellApiWriter, ROWS, folder, f"cells_{max_rows}.xlsx", max_rows)
                fast_parts, cell_parts = self._parts(fast), self._parts(cells)
                self.assertEqual(sorted(fast_parts), sorted(cell_parts))
                for name, content in cell_parts.items():
                    self.assertEqual(fast_parts[name], content, f"{name} (max_rows {max_rows})")
                self.assertEqual(fast_result.sheets, cells_result.sheets)
                self.assertEqual(fast_result.row_count, len(ROWS))
                self.assertEqual(fast_result.rounded_totals(), cells_result.rounded_totals())
            self.assertEqual(len(fast_result.sheets), 3)  # 9 rows, 3 a sheet (the empty row counts as one)

    def test_read_back(self):
        """What Excel shows: texts as given (escaped, not interpreted: a text that looks like rich-string XML
        stays text), dates and datetimes with their formats, amounts with their currency's decimals, the
        used range down to the last row."""
        rows = ROWS + [("<r>not rich</r>", None, None, None, None, None, None, "<r><t>x</t></r>")]
        with tempfile.TemporaryDirectory() as folder:
            path, _result = self._workbook(AuditWriter, rows, folder, "read_back.xlsx")
            sheet = openpyxl.load_workbook(path, read_only=True)["Sample"]
            sheet.reset_dimensions()
            values = list(sheet.iter_rows(values_only=True))
            cells = list(openpyxl.load_workbook(path)["Sample"].iter_rows(min_row=2, max_row=3))
        self.assertEqual(values[0], tuple(col.label for col in COLUMNS))
        self.assertEqual(values[1], ("Plain", datetime(2025, 3, 1), datetime(2025, 3, 1, 13, 45, 7), 1234.5,
                                     10.125, "KWD", 7, "first"))
        self.assertEqual(values[2][:2], ("A & B <c> d", datetime(1900, 1, 15)))
        self.assertEqual(values[2][7], " leading")
        self.assertEqual(values[3][0], "trailing ")
        self.assertFalse(values[4])  # the empty row: no cell
        # Excel reads the _xHHHH_ escapes back as the characters; openpyxl leaves them as they are in the file.
        self.assertEqual(values[5][0], "control_x0001_char")
        self.assertEqual(values[5][7], "two\nlines")
        self.assertEqual(values[6][0], "_x005F_x0041_ looks escaped")
        self.assertEqual(values[6][7], "_xFFFE__xFFFF_")
        self.assertEqual(values[7][3], 0.3)  # 0.30000000000000004 at 16 significant digits, as xlsxwriter writes it
        self.assertEqual(len(values[7][7]), 32767)
        self.assertEqual(values[8][0], "12345")
        self.assertEqual(values[9], ("no-break space at the end\xa0", None, None, None, None, None, None,
                                     "\u3000ideographic space first"))
        self.assertEqual(values[10][0], "<r>not rich</r>")
        self.assertEqual(values[10][7], "<r><t>x</t></r>")
        self.assertEqual(len(values), len(rows) + 1)
        first, second = cells
        self.assertEqual(first[1].number_format, "yyyy-mm-dd")
        self.assertEqual(first[2].number_format, "yyyy-mm-dd hh:mm:ss")
        self.assertEqual(first[3].number_format, "#,##0.00")
        self.assertEqual(first[4].number_format, "#,##0.000")  # KWD
        self.assertEqual(second[4].number_format, "#,##0")  # JPY
        self.assertEqual(first[6].data_type, "n")
