"""The one writer of audit exports: an XLSX workbook and one CSV file per dataset, fed row by row.

No ORM here. A dataset is anything with ``key``, ``label``, ``columns`` (a list of ``Column``) and
``rows()`` (a generator of tuples in column order); optionally ``file_name`` and ``delimiter`` for its
text file (``<key>.csv`` with commas otherwise). The writer streams: xlsxwriter runs with
``constant_memory`` (each row is flushed to disk when the next one starts) and each CSV row is written
as it arrives, so memory does not grow with the number of rows.
"""

import csv
import hashlib

import xlsxwriter

from .audit_columns import AMOUNT, DATE, DATETIME, INTEGER, TEXT
from .audit_sheet_rows import SheetRows

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
        self.total_index = [(i, col) for i, col in enumerate(dataset.columns) if col.total]
        self.totals = {col.name: 0 if col.type == INTEGER else 0.0 for _i, col in self.total_index}

    def rounded_totals(self):
        # + 0.0: a balanced total rounds to -0.0, which would print as "-0.0".
        return {name: (round(value, self.decimals) + 0.0 if isinstance(value, float) else value)
                for name, value in self.totals.items()}


class CopyRows:
    """Where COPY writes a dataset's CSV: psycopg2 calls ``write`` with each row, which ends with a line feed;
    it is written ending with CRLF, as the csv module ends rows (RFC 4180), and counted."""

    def __init__(self, handle):
        self.handle = handle
        self.rows = 0

    # A file's write, called by psycopg2, not a model's: there is no super to call.
    def write(self, data):  # pylint: disable=method-required-super
        self.rows += 1
        self.handle.write(data[:-1])
        self.handle.write(b"\r\n")


class AuditWriter:
    """Writes datasets one after the other into the workbook at ``xlsx_path`` and the files
    ``<csv_dir>/<file name>``; ``xlsx_path`` None: CSV files only; ``csv_dir`` None: the workbook only."""

    def __init__(self, xlsx_path, csv_dir, decimals=2, max_rows=XLSX_MAX_ROWS, currency_decimals=None,
                 summary_labels=None):
        """``decimals``: the company currency's; ``currency_decimals``: ``{code: decimals}`` of the document
        currencies (amounts whose column names a ``currency`` column), unless the dataset has its own
        ``currency_decimals``; ``summary_labels``: the control-totals
        sheet's labels, translated by the caller (SUMMARY_LABELS by default)."""
        if xlsx_path is None and csv_dir is None:
            raise ValueError("An audit writer writes a workbook, CSV files or both: give a path or a folder.")
        self.csv_dir = csv_dir
        self.decimals = decimals
        self.currency_decimals = currency_decimals or {}
        self.summary_labels = dict(SUMMARY_LABELS, **(summary_labels or {}))
        self.max_rows = max_rows
        self.results = []
        self.workbook = None
        self.sheet_names = set()
        if xlsx_path is None:
            return
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

    def _close_sheet(self, sheet, sheet_rows, rows, ncols):
        sheet_rows.close()
        sheet.autofilter(0, 0, max(rows, 0), ncols - 1)

    def _sheet_rows(self, sheet, columns):
        return SheetRows(sheet, columns, self.formats, self._amount_format)

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
        """Write one dataset: a sheet (continued on new sheets past ``max_rows``) when the writer makes a
        workbook, a CSV file when it makes CSV files. A dataset with ``csv_by_copy`` has its CSV streamed by
        PostgreSQL's COPY and its control totals read in SQL; the others are written from ``rows()``, both
        files in one pass."""
        result = DatasetResult(dataset, self.decimals)
        if self.csv_dir is not None:
            result.csv_name = getattr(dataset, "file_name", None) or f"{dataset.key}.csv"
        by_copy = self.csv_dir is not None and getattr(dataset, "csv_by_copy", False)
        if by_copy:
            result.row_count = self._copy_csv(dataset, result.csv_name)
            if self.workbook is None:
                result.totals.update(dataset.copy_totals())
            else:
                rows = self._write_rows(dataset, result, csv_writer=None)
                if rows != result.row_count:  # one snapshot (REPEATABLE READ): the two reads see the same rows
                    raise RuntimeError(f"{dataset.key}: {result.row_count} rows copied to CSV, {rows} written to XLSX")
        elif result.csv_name:
            # newline="": the csv module writes RFC 4180's CRLF itself.
            with open(f"{self.csv_dir}/{result.csv_name}", "w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle, dialect="excel", delimiter=getattr(dataset, "delimiter", ","),
                                    lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
                writer.writerow([col.name for col in dataset.columns])
                result.row_count = self._write_rows(dataset, result, writer)
        else:
            result.row_count = self._write_rows(dataset, result, csv_writer=None)
        self.results.append(result)
        return result

    def _copy_csv(self, dataset, name):
        """The dataset's CSV by COPY, its header written here; returns the number of rows."""
        with open(f"{self.csv_dir}/{name}", "wb") as handle:
            delimiter = getattr(dataset, "delimiter", ",")
            handle.write(delimiter.join(col.name for col in dataset.columns).encode() + b"\r\n")
            target = CopyRows(handle)
            dataset.copy_csv(target)
        return target.rows

    def _write_rows(self, dataset, result, csv_writer):
        """Stream ``dataset.rows()`` into the workbook (if any) and ``csv_writer`` (if any); sum the control
        totals on the way. Returns the number of rows."""
        columns = dataset.columns
        ncols = len(columns)
        names = [col.name for col in columns]
        # The decimals of each amount column: the company currency's, or per row the document currency's.
        company_decimals = [self.decimals if col.type == AMOUNT else None for col in columns]
        per_row = [(index, names.index(col.currency)) for index, col in enumerate(columns)
                   if col.type == AMOUNT and col.currency]
        currency_decimals = getattr(dataset, "currency_decimals", None) or self.currency_decimals
        total_index = result.total_index
        totals = dict.fromkeys((col.name for _i, col in total_index), 0)
        sheet = sheet_rows = None
        part, sheet_row, count = 1, 0, 0
        if self.workbook is not None:
            sheet = self._new_sheet(dataset, part)
            result.sheets.append(sheet.name)
            sheet_rows = self._sheet_rows(sheet, columns)
        for row in dataset.rows():
            count += 1
            decimals = company_decimals
            if per_row:
                decimals = list(company_decimals)
                for index, currency_index in per_row:
                    decimals[index] = currency_decimals.get(row[currency_index], self.decimals)
            if sheet is not None:
                if sheet_row >= self.max_rows:
                    self._close_sheet(sheet, sheet_rows, sheet_row, ncols)
                    part, sheet_row = part + 1, 0
                    sheet = self._new_sheet(dataset, part)
                    result.sheets.append(sheet.name)
                    sheet_rows = self._sheet_rows(sheet, columns)
                sheet_row += 1
                sheet_rows.add_row(sheet_row, row, decimals)
            if csv_writer is not None:
                csv_writer.writerow([self._csv_value(col, row[index], decimals[index])
                                     for index, col in enumerate(columns)])
            for index, col in total_index:
                if row[index]:
                    totals[col.name] += row[index]
        if sheet is not None:
            self._close_sheet(sheet, sheet_rows, sheet_row, ncols)
        result.totals.update(totals)
        return count

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
                sheet.write_string(row, 1, result.csv_name or "")
                sheet.write_number(row, 2, result.row_count, self.formats[INTEGER])
                if name is not None:
                    sheet.write_string(row, 3, str(labels_by_name[name]))
                    is_float = isinstance(value, float)
                    sheet.write_number(row, 4, value, self.formats[AMOUNT if is_float else INTEGER])
        sheet.autofilter(0, 0, max(row, 0), len(header) - 1)

    def close(self):
        if self.workbook is None:
            return
        if self.results:
            self._write_summary()
        self.workbook.close()
