"""The one writer of audit exports: an XLSX workbook and one CSV file per dataset, fed row by row.

No ORM here. A dataset is anything with ``key``, ``label``, ``columns`` (a list of ``Column``) and
``rows()`` (a generator of tuples in column order); optionally ``file_name`` and ``delimiter`` for its
text file (``<key>.csv`` with commas otherwise). The writer streams: xlsxwriter runs with
``constant_memory`` (each row is flushed to disk when the next one starts) and each CSV row is written
as it arrives, so memory does not grow with the number of rows.
"""

import csv
import datetime
import hashlib
from collections import namedtuple

import xlsxwriter

TEXT, DATE, DATETIME, AMOUNT, INTEGER = "text", "date", "datetime", "amount", "integer"
COLUMN_TYPES = (TEXT, DATE, DATETIME, AMOUNT, INTEGER)

# ``total``: the column is summed into the dataset's control totals (amounts and integers only).
Column = namedtuple("Column", "name label type total", defaults=(TEXT, False))

# Excel's sheet holds 1,048,576 rows: the header and 1,048,575 data rows.
XLSX_MAX_ROWS = 1_048_575
SHEET_NAME_MAX = 31


def sha256_file(path, chunk=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


class DatasetResult:
    """What one dataset produced: its rows counted and its control totals summed while written."""

    def __init__(self, dataset, decimals):
        self.dataset = dataset
        self.decimals = decimals
        self.row_count = 0
        self.sheets = []
        self.csv_name = None
        self._total_index = [(i, col) for i, col in enumerate(dataset.columns) if col.total]
        self.totals = {col.name: 0 if col.type == INTEGER else 0.0 for _i, col in self._total_index}

    def add(self, row):
        self.row_count += 1
        for index, col in self._total_index:
            if row[index]:
                self.totals[col.name] += row[index]

    def rounded_totals(self):
        return {name: (round(value, self.decimals) if isinstance(value, float) else value)
                for name, value in self.totals.items()}


class AuditWriter:
    """Writes datasets one after the other into ``xlsx_path`` and ``<csv_dir>/<key>.csv``."""

    def __init__(self, xlsx_path, csv_dir, decimals=2, max_rows=XLSX_MAX_ROWS):
        self.csv_dir = csv_dir
        self.decimals = decimals
        self.max_rows = max_rows
        self.workbook = xlsxwriter.Workbook(xlsx_path, {"constant_memory": True, "strings_to_numbers": False,
                                                         "strings_to_formulas": False, "strings_to_urls": False})
        amount_format = "#,##0" + ("." + "0" * decimals if decimals else "")
        self.formats = {
            "header": self.workbook.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1}),
            DATE: self.workbook.add_format({"num_format": "yyyy-mm-dd"}),
            DATETIME: self.workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
            AMOUNT: self.workbook.add_format({"num_format": amount_format}),
            INTEGER: self.workbook.add_format({"num_format": "0"}),
        }
        self.sheet_names = set()

    # -- XLSX --------------------------------------------------------------------------------------
    def _sheet_name(self, label, part):
        suffix = f" ({part})" if part > 1 else ""
        name = label[:SHEET_NAME_MAX - len(suffix)] + suffix
        for char in "[]:*?/\\":
            name = name.replace(char, "-")
        base, count = name, 1
        while name.lower() in self.sheet_names:  # two datasets of the same label: number the second
            count += 1
            tail = f"~{count}"
            name = base[:SHEET_NAME_MAX - len(tail)] + tail
        self.sheet_names.add(name.lower())
        return name

    def _new_sheet(self, dataset, part):
        sheet = self.workbook.add_worksheet(self._sheet_name(dataset.label, part))
        for index, col in enumerate(dataset.columns):
            sheet.write_string(0, index, col.label, self.formats["header"])
            sheet.set_column(index, index, 22 if col.type == DATETIME else 16 if col.type != TEXT else 24)
        sheet.freeze_panes(1, 0)
        return sheet

    def _close_sheet(self, sheet, rows, ncols):
        sheet.autofilter(0, 0, max(rows, 0), ncols - 1)

    def _write_cell(self, sheet, row, index, col, value):
        if value is None or value == "":
            sheet.write_blank(row, index, None)
        elif col.type == DATE:
            sheet.write_datetime(row, index, datetime.datetime.combine(value, datetime.time()), self.formats[DATE])
        elif col.type == DATETIME:
            sheet.write_datetime(row, index, value, self.formats[DATETIME])
        elif col.type in (AMOUNT, INTEGER):
            sheet.write_number(row, index, value, self.formats[col.type])
        else:
            sheet.write_string(row, index, str(value))

    # -- CSV ---------------------------------------------------------------------------------------
    def _csv_value(self, col, value):
        if value is None:
            return ""
        if col.type == DATE:
            return value.isoformat()
        if col.type == DATETIME:
            return value.strftime("%Y-%m-%d %H:%M:%S")
        if col.type == AMOUNT:
            return f"{value:.{self.decimals}f}"
        return str(value)

    # -- One dataset -------------------------------------------------------------------------------
    def write_dataset(self, dataset):
        """Stream ``dataset.rows()`` into a sheet (continued on new sheets past ``max_rows``) and a CSV."""
        result = DatasetResult(dataset, self.decimals)
        columns = dataset.columns
        ncols = len(columns)
        result.csv_name = getattr(dataset, "file_name", None) or f"{dataset.key}.csv"
        delimiter = getattr(dataset, "delimiter", ",")
        part, sheet_row = 1, 0
        sheet = self._new_sheet(dataset, part)
        result.sheets.append(sheet.name)
        # newline="": the csv module writes RFC 4180's CRLF itself.
        with open(f"{self.csv_dir}/{result.csv_name}", "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, dialect="excel", delimiter=delimiter, lineterminator="\r\n",
                                quoting=csv.QUOTE_MINIMAL)
            writer.writerow([col.name for col in columns])
            for row in dataset.rows():
                if sheet_row >= self.max_rows:
                    self._close_sheet(sheet, sheet_row, ncols)
                    part, sheet_row = part + 1, 0
                    sheet = self._new_sheet(dataset, part)
                    result.sheets.append(sheet.name)
                sheet_row += 1
                for index, col in enumerate(columns):
                    self._write_cell(sheet, sheet_row, index, col, row[index])
                writer.writerow([self._csv_value(col, row[index]) for index, col in enumerate(columns)])
                result.add(row)
        self._close_sheet(sheet, sheet_row, ncols)
        return result

    def close(self):
        self.workbook.close()
