"""The data rows of an audit sheet, written as the XML xlsxwriter itself writes in constant_memory mode, one
string per row instead of one ``write_*`` call and one XML writer call per cell.

Why: a journal-entry extract has some 32 cells a row; at a million lines, xlsxwriter's per-cell calls were nine
tenths of the XLSX export's time (548 s against 30 s for the same rows as CSV, bench/audit_bench.py). The XML
of a cell only depends on its column's type and format, so each column gets one small function made once per
sheet. The sheet is the one xlsxwriter writes from the same values, byte for byte
(tests/test_audit_sheet_rows.py writes the same rows both ways and compares the sheets' XML), with one
deliberate difference: a text that looks like xlsxwriter's rich-string XML (``<r>...</r>``) is escaped like
any other text, where xlsxwriter would copy it into the file unescaped.

It uses things of xlsxwriter's constant_memory mode that are not its public API: the worksheet's row file
(``fh``), ``_write_single_row`` to flush the rows it holds, ``_check_dimensions`` for the sheet's used range and
a format's ``_get_xf_index``. The version is the one Odoo's requirements pin; the byte-for-byte test is what tells
if another version writes otherwise.
"""

import datetime
import re

from xlsxwriter.utility import datetime_to_excel_datetime
from xlsxwriter.utility import xl_col_to_name as column_letters
from xlsxwriter.worksheet import re_control_chars_1, re_control_chars_2

from .audit_columns import AMOUNT, DATE, DATETIME, INTEGER

# A text that xlsxwriter changes before it writes it: XML's special characters, control characters, text that
# reads as its own _xHHHH_ escapes, Unicode non-characters, leading or trailing white space (xml:space).
TEXT_NEEDS_ESCAPING = re.compile(r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$")
LEADING_OR_TRAILING_SPACE = re.compile(r"^\s|\s$")
# The same test on a row's texts at once, joined by a private-use character: one search a row, not one a cell.
# It looks for any character the test above may act on (white space of any kind included) and for a space next
# to the joint; it may find more than there is, never less. A row where it finds something has each of its texts
# tested on its own.
JOINT = "\ue000"
ROW_MAY_NEED_ESCAPING = re.compile(
    "[&<>\x00-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufffe\uffff]")
XLSX_TEXT_MAX = 32767  # characters in a cell; xlsxwriter cuts longer texts there
# Excel's serial day numbers: day 1 is 1 January 1900, counting a 29 February 1900 that never was; from 1 March
# 1900 on, the serial number of a date is its distance from 30 December 1899.
EXCEL_EPOCH_ORDINAL = datetime.date(1899, 12, 30).toordinal()
EXCEL_LEAP_BUG_END = datetime.date(1900, 3, 1)


def escaped_text(text):
    """``(t attributes, text)`` of an inline string, as xlsxwriter escapes it."""
    text = re_control_chars_1.sub(r"_x005F\1", text)
    text = re_control_chars_2.sub(lambda match: f"_x{ord(match.group(1)):04X}_", text)
    text = text.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    preserve = ' xml:space="preserve"' if LEADING_OR_TRAILING_SPACE.search(text) else ""
    return preserve, text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SheetRows:
    """Writes rows of ``columns`` (audit_columns.Column) into ``sheet``, below the rows written so far.

    ``formats``: the writer's cell formats by column type (DATE, DATETIME, INTEGER); ``amount_format``: a
    function giving the format of amounts with a number of decimals. Empty values (None, "") get no cell,
    as xlsxwriter writes none for them. Numbers are written as xlsxwriter writes them (``%.16G``)."""

    def __init__(self, sheet, columns, formats, amount_format):
        self.sheet = sheet
        self.columns = columns
        self.formats = formats
        self.last_row = None
        self.write_line = None
        self.cells = self.careful_cells = self.text_indexes = None
        self._amount_format = amount_format
        self._amount_styles = {}

    def _format_of(self, col, decimals):
        return self._amount_format(decimals) if col.type == AMOUNT else self.formats.get(col.type)

    def _start(self, row, values, decimals):
        """Before the first row: the rows xlsxwriter holds (the header) go to the file, as its next write_*
        would send them; the formats get their numbers (xf) in the order xlsxwriter would give them, cell by
        cell of the first row; then each column's cell function."""
        self.sheet._write_single_row(row)
        self.write_line = self.sheet.fh.write
        for index, col in enumerate(self.columns):
            cell_format = self._format_of(col, decimals[index])
            if cell_format is not None and values[index] is not None and values[index] != "":
                cell_format._get_xf_index()
        self.cells = self._cell_functions(careful=False)
        self.careful_cells = self._cell_functions(careful=True)
        self.text_indexes = [index for index, col in enumerate(self.columns)
                             if col.type not in (AMOUNT, DATE, DATETIME, INTEGER)]

    def _cell_functions(self, careful):
        """Per column ``(index, function(row number, value, decimals) -> the cell's XML)``; ``careful``: texts
        are cut at Excel's limit and escaped as they need, otherwise written as they are."""
        sheet, formats = self.sheet, self.formats
        date_1904, remove_timezone = sheet.date_1904, sheet.remove_timezone

        def style(cell_format):
            return f' s="{cell_format._get_xf_index()}"'

        def number_cell(ref, cell_style):
            return lambda row, value, _decimals: '<c r="%s%d"%s><v>%.16G</v></c>' % (ref, row, cell_style, value)

        def date_cell(ref, cell_style):
            def cell(row, value, _decimals):
                if value >= EXCEL_LEAP_BUG_END:
                    serial = value.toordinal() - EXCEL_EPOCH_ORDINAL
                else:  # before 1 March 1900 Excel counts a 29 February 1900: xlsxwriter's conversion knows it
                    serial = datetime_to_excel_datetime(
                        datetime.datetime.combine(value, datetime.time()), date_1904, remove_timezone)
                return '<c r="%s%d"%s><v>%.16G</v></c>' % (ref, row, cell_style, serial)
            return cell

        def datetime_cell(ref, cell_style):
            def cell(row, value, _decimals):
                serial = datetime_to_excel_datetime(value, date_1904, remove_timezone)
                return '<c r="%s%d"%s><v>%.16G</v></c>' % (ref, row, cell_style, serial)
            return cell

        def amount_cell(ref):
            styles = self._amount_styles

            def cell(row, value, decimals):
                cell_style = styles.get(decimals)
                if cell_style is None:
                    cell_style = styles[decimals] = style(self._amount_format(decimals))
                return '<c r="%s%d"%s><v>%.16G</v></c>' % (ref, row, cell_style, value)
            return cell

        def plain_text_cell(ref):
            return lambda row, value, _decimals: f'<c r="{ref}{row}" t="inlineStr"><is><t>{value}</t></is></c>'

        def text_cell(ref):
            def cell(row, value, _decimals):
                if type(value) is not str:
                    value = str(value)
                if len(value) > XLSX_TEXT_MAX:
                    value = value[:XLSX_TEXT_MAX]
                preserve = ""
                if TEXT_NEEDS_ESCAPING.search(value):
                    preserve, value = escaped_text(value)
                return f'<c r="{ref}{row}" t="inlineStr"><is><t{preserve}>{value}</t></is></c>'
            return cell

        cells = []
        for index, col in enumerate(self.columns):
            ref = column_letters(index)
            if col.type == DATE:
                cell = date_cell(ref, style(formats[DATE]))
            elif col.type == DATETIME:
                cell = datetime_cell(ref, style(formats[DATETIME]))
            elif col.type == AMOUNT:
                cell = amount_cell(ref)
            elif col.type == INTEGER:
                cell = number_cell(ref, style(formats[INTEGER]))
            else:  # TEXT, and any other type: its value as text
                cell = text_cell(ref) if careful else plain_text_cell(ref)
            cells.append((index, cell))
        return cells

    def add_row(self, row, values, decimals):
        """Row ``row`` (0-based, as xlsxwriter counts) of ``values``; ``decimals``: per column, the decimals
        of its amounts in this row."""
        if self.cells is None:
            self._start(row, values, decimals)
        texts = [values[index] for index in self.text_indexes]
        joined = JOINT.join([text if type(text) is str else str(text) for text in texts
                             if text is not None and text != ""])
        plain = (len(joined) <= XLSX_TEXT_MAX and not ROW_MAY_NEED_ESCAPING.search(joined) and "_x" not in joined
                 and " " + JOINT not in joined and JOINT + " " not in joined and joined[:1] != " "
                 and joined[-1:] != " ")
        number = row + 1
        cells = self.cells if plain else self.careful_cells
        parts = [cell(number, values[index], decimals[index]) for index, cell in cells
                 if values[index] is not None and values[index] != ""]
        if parts:  # a row without a value is no row at all
            self.write_line(f'<row r="{number}">{"".join(parts)}</row>')
            self.last_row = row

    def close(self):
        """The sheet's used range, which xlsxwriter writes in the file's <dimension>, reaches the last row."""
        if self.last_row is not None:
            self.sheet._check_dimensions(self.last_row, 0)
