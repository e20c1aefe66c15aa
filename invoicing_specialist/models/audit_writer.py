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
# ``currency``: for an amount in a document's currency, the name of the column holding that currency's code
# (the amount is then written with that currency's decimals); None for company-currency amounts.
Column = namedtuple("Column", "name label type total currency", defaults=(TEXT, False, None))
# The control-totals sheet that closes the workbook: one row per dataset and total.
SUMMARY_LABELS = {"sheet": "Control Totals", "dataset": "Dataset", "file": "File", "rows": "Rows",
                  "column": "Column", "total": "Total"}

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
        # + 0.0: a balanced total rounds to -0.0, which would print as "-0.0".
        return {name: (round(value, self.decimals) + 0.0 if isinstance(value, float) else value)
                for name, value in self.totals.items()}


class AuditWriter:
    """Writes datasets one after the other into ``xlsx_path`` and ``<csv_dir>/<key>.csv``."""

    def __init__(self, xlsx_path, csv_dir, decimals=2, max_rows=XLSX_MAX_ROWS, currency_decimals=None,
                 summary_labels=None):
        """``decimals``: the company currency's; ``currency_decimals``: ``{code: decimals}`` of the document
        currencies (amounts whose column names a ``currency`` column), unless the dataset has its own
        ``currency_decimals``; ``summary_labels``: the control-totals
        sheet's labels, translated by the caller (SUMMARY_LABELS by default)."""
        self.csv_dir = csv_dir
        self.decimals = decimals
        self.currency_decimals = currency_decimals or {}
        self.summary_labels = dict(SUMMARY_LABELS, **(summary_labels or {}))
        self.max_rows = max_rows
        self.results = []
        self.workbook = xlsxwriter.Workbook(xlsx_path, {"constant_memory": True, "strings_to_numbers": False,
                                                         "strings_to_formulas": False, "strings_to_urls": False})
        self._amount_formats = {}
        self.formats = {
            "header": self.workbook.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1}),
            DATE: self.workbook.add_format({"num_format": "yyyy-mm-dd"}),
            DATETIME: self.workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
            AMOUNT: self._amount_format(decimals),
            INTEGER: self.workbook.add_format({"num_format": "0"}),
        }
        self.sheet_names = set()

    def _amount_format(self, decimals):
        """The cell format of amounts with ``decimals`` decimals, made once per number of decimals."""
        if decimals not in self._amount_formats:
            number_format = "#,##0" + ("." + "0" * decimals if decimals else "")
            self._amount_formats[decimals] = self.workbook.add_format({"num_format": number_format})
        return self._amount_formats[decimals]


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

    def _write_cell(self, sheet, row, index, col, value, decimals):
        if value is None or value == "":
            sheet.write_blank(row, index, None)
        elif col.type == DATE:
            sheet.write_datetime(row, index, datetime.datetime.combine(value, datetime.time()), self.formats[DATE])
        elif col.type == DATETIME:
            sheet.write_datetime(row, index, value, self.formats[DATETIME])
        elif col.type == AMOUNT:
            sheet.write_number(row, index, value, self._amount_format(decimals))
        elif col.type == INTEGER:
            sheet.write_number(row, index, value, self.formats[INTEGER])
        else:
            sheet.write_string(row, index, str(value))

    # -- CSV ---------------------------------------------------------------------------------------
    def _csv_value(self, col, value, decimals):
        if value is None:
            return ""
        if col.type == DATE:
            return value.isoformat()
        if col.type == DATETIME:
            return value.strftime("%Y-%m-%d %H:%M:%S")
        if col.type == AMOUNT:
            return f"{value:.{decimals}f}"
        return str(value)

    # -- One dataset -------------------------------------------------------------------------------
    def write_dataset(self, dataset):
        """Stream ``dataset.rows()`` into a sheet (continued on new sheets past ``max_rows``) and a CSV."""
        result = DatasetResult(dataset, self.decimals)
        columns = dataset.columns
        ncols = len(columns)
        names = [col.name for col in columns]
        # The decimals of each amount column: the company currency's, or per row the document currency's.
        company_decimals = [self.decimals if col.type == AMOUNT else None for col in columns]
        per_row = [(index, names.index(col.currency)) for index, col in enumerate(columns)
                   if col.type == AMOUNT and col.currency]
        currency_decimals = getattr(dataset, "currency_decimals", None) or self.currency_decimals
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
                decimals = company_decimals
                if per_row:
                    decimals = list(company_decimals)
                    for index, currency_index in per_row:
                        decimals[index] = currency_decimals.get(row[currency_index], self.decimals)
                for index, col in enumerate(columns):
                    self._write_cell(sheet, sheet_row, index, col, row[index], decimals[index])
                writer.writerow([self._csv_value(col, row[index], decimals[index])
                                 for index, col in enumerate(columns)])
                result.add(row)
        self._close_sheet(sheet, sheet_row, ncols)
        self.results.append(result)
        return result

    def _write_summary(self):
        """The last sheet: each dataset's row count and control totals, as the manifest has them. Totals
        stay off the data sheets, so that an auditor's tool imports those as plain tables."""
        labels = self.summary_labels
        sheet = self.workbook.add_worksheet(self._sheet_name(labels["sheet"], 1))
        header = [labels["dataset"], labels["file"], labels["rows"], labels["column"], labels["total"]]
        for index, label in enumerate(header):
            sheet.write_string(0, index, label, self.formats["header"])
        sheet.set_column(0, 1, 28)
        sheet.set_column(2, 4, 18)
        sheet.freeze_panes(1, 0)
        row = 0
        for result in self.results:
            labels_by_name = {col.name: col.label for col in result.dataset.columns}
            totals = list(result.rounded_totals().items()) or [(None, None)]
            for name, value in totals:
                row += 1
                sheet.write_string(row, 0, str(result.dataset.label))
                sheet.write_string(row, 1, result.csv_name)
                sheet.write_number(row, 2, result.row_count, self.formats[INTEGER])
                if name is not None:
                    sheet.write_string(row, 3, str(labels_by_name[name]))
                    is_float = isinstance(value, float)
                    sheet.write_number(row, 4, value, self.formats[AMOUNT if is_float else INTEGER])
        sheet.autofilter(0, 0, max(row, 0), len(header) - 1)

    def close(self):
        if self.results:
            self._write_summary()
        self.workbook.close()
