import io
import os
import tempfile

from odoo import api, fields, models

from ..kernels import statement as kernel

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Up to this many customers, a workbook has a sheet per customer, laid out as the customer's statement.
# Past it, the workbook is for the accountant: one table of every customer's lines and one summary row per
# customer and currency, which filter and sort (a thousand sheets do neither, and cost time and memory).
SHEET_PER_CUSTOMER_LIMIT = 20


def _write_xlsx_table(sheet, row, columns, lines, formats, forward=None):
    """Write a statement table from column specs ``(header, line key, kind)``; return the next row.
    ``forward``: an optional (label, amount) row before the lines (balance brought forward)."""
    for col, (head, _key, _kind) in enumerate(columns):
        sheet.write(row, col, head, formats["bold"])
    row += 1
    if forward:
        balance_col = next(col for col, (_h, key, _k) in enumerate(columns) if key == "running")
        sheet.write(row, 1, forward[0])
        sheet.write_number(row, balance_col, forward[1], formats["money"])
        row += 1
    for line in lines:
        for col, (_head, key, kind) in enumerate(columns):
            if kind == "date":
                sheet.write_datetime(row, col, fields.Datetime.to_datetime(line[key]), formats["date"])
            elif kind == "money":
                sheet.write_number(row, col, line[key], formats["money"])
            elif kind == "doc":
                sheet.write(row, col, formats["doc_labels"].get(line[key], ""))
            else:
                sheet.write(row, col, line[key])
        row += 1
    return row


class IspecStatement(models.AbstractModel):
    """The statement as an XLSX workbook: a sheet per customer, written from the data phase."""

    _inherit = "ispec.statement"

    @api.model
    def _render_xlsx(self, partners, data, statements=None):
        """The statements of ``partners`` as one workbook: a sheet per customer, in each customer's
        language, date and currency format; past SHEET_PER_CUSTOMER_LIMIT customers, one table of all
        (``_render_xlsx_table``)."""
        import xlsxwriter  # noqa: PLC0415 - external dependency declared in the manifest

        company = self.env["res.company"].browse(data["company_id"])
        if statements is None:
            statements = self._get_statement_data(
                partners.ids, data["date_end"], data["date_start"], data["statement_type"], company
            )
        if len(partners.commercial_partner_id) > SHEET_PER_CUSTOMER_LIMIT:
            return self._render_xlsx_table(partners, data, statements)
        output = io.BytesIO()
        book = xlsxwriter.Workbook(output, {"in_memory": True})
        bold = book.add_format({"bold": True})
        title_fmt = book.add_format({"bold": True, "font_size": 14})
        customers = partners.commercial_partner_id
        sheet_names = kernel.sheet_names(
            [partner.ref or partner.name for partner in customers], fallback=self.env._("Statement")
        )
        for partner, sheet_name in zip(customers, sheet_names, strict=True):
            statement = statements[partner.id]
            lang = partner.lang or self.env.lang or "en_US"
            self_lang = self.with_context(lang=lang)
            lang_rec = self.env["res.lang"]._get_data(code=lang) or self.env["res.lang"]._get_data(code="en_US")
            date_fmt = book.add_format({"num_format": _excel_date_format(lang_rec.date_format)})
            sheet = book.add_worksheet(sheet_name)
            sheet.set_column(0, 0, 14)
            sheet.set_column(1, 2, 22)
            sheet.set_column(3, 9, 15)
            lang_env = self_lang.env  # labels in the customer's language; Odoo's export finds env._(...)
            row = 0
            sheet.write(row, 0, company.name, title_fmt)
            row += 1
            sheet.write(row, 0, self_lang._statement_title(data["statement_type"]), bold)
            row += 1
            sheet.write(row, 0, lang_env._("Customer"))
            sheet.write(row, 1, partner.name)
            if partner.ref:
                sheet.write(row, 2, lang_env._("Customer reference"))
                sheet.write(row, 3, partner.ref)
            row += 1
            sheet.write(row, 0, lang_env._("Statement number"))
            sheet.write(row, 1, statement["number"])
            row += 1
            sheet.write(row, 0, lang_env._("Address"))
            sheet.write(row, 1, ", ".join(self_lang._address_lines(partner)))
            row += 1
            sheet.write(row, 0, lang_env._("Statement date"))
            sheet.write_datetime(row, 1, fields.Datetime.to_datetime(data["date_end"]), date_fmt)
            if data["date_start"]:
                sheet.write(row, 2, lang_env._("From"))
                sheet.write_datetime(row, 3, fields.Datetime.to_datetime(data["date_start"]), date_fmt)
            row += 2
            labels = self_lang._bucket_labels(company, data["date_end"])
            doc_labels = self_lang._doc_type_labels()
            # One writer for both tables: (header, line key, kind) per column.
            activity_columns = [
                (lang_env._("Date"), "date", "date"), (lang_env._("Number"), "move_name", "text"),
                (lang_env._("Reference"), "ref", "text"),
                (lang_env._("Due date"), "date_maturity", "date"), (lang_env._("Amount"), "amount", "money"),
                (lang_env._("Balance"), "running", "money"), (lang_env._("Type"), "doc_type", "doc"),
            ]
            open_item_columns = [
                (lang_env._("Date"), "date", "date"), (lang_env._("Number"), "move_name", "text"),
                (lang_env._("Reference"), "ref", "text"),
                (lang_env._("Due date"), "date_maturity", "date"), (lang_env._("Original"), "original", "money"),
                (lang_env._("Open"), "open", "money"), (lang_env._("Disputed"), "disputed", "money"),
                (lang_env._("Balance"), "running", "money"), (lang_env._("Type"), "doc_type", "doc"),
            ]

            for section in statement["sections"]:
                currency = section["currency"]
                money = book.add_format({"num_format": _excel_money_format(currency, lang_rec)})
                money_bold = book.add_format({"num_format": _excel_money_format(currency, lang_rec), "bold": True})
                sheet.write(row, 0, lang_env._("Currency"), bold)
                sheet.write(row, 1, currency.name, bold)
                row += 1
                if data["statement_type"] == "activity":
                    formats = {"bold": bold, "money": money, "date": date_fmt, "doc_labels": doc_labels}
                    row = _write_xlsx_table(sheet, row, activity_columns, section["activity"], formats,
                                            forward=(lang_env._("Balance brought forward"), section["balance_forward"]))
                    sheet.write(row, 1, lang_env._("Closing balance"), bold)
                    sheet.write_number(row, 5, section["closing_balance"], money_bold)
                    row += 2
                else:
                    formats = {"bold": bold, "money": money, "date": date_fmt, "doc_labels": doc_labels}
                    row = _write_xlsx_table(sheet, row, open_item_columns, section["lines"], formats) + 1
                sheet.write(row, 0, lang_env._("Aging"), bold)
                for col, label in enumerate(labels):
                    sheet.write(row, col + 1, label, bold)
                row += 1
                for col, amount in enumerate(section["buckets"]):
                    sheet.write_number(row, col + 1, amount, money)
                row += 2
                for label, amount in ((lang_env._("Total open"), section["open_total"]),
                                      (lang_env._("Disputed"), section["disputed"]),
                                      (lang_env._("Amount due"), section["amount_due"])):
                    sheet.write(row, 0, label, bold)
                    sheet.write_number(row, 1, amount, money_bold)
                    row += 1
                row += 1
            bank = self._company_bank(company)
            sheet.write(row, 0, lang_env._("Payment instructions"), bold)
            row += 1
            sheet.write(row, 0, lang_env._("Bank account"))
            sheet.write(row, 1, bank.display_name if bank else "")
            row += 1
            sheet.write(row, 0, lang_env._("Payment reference"))
            sheet.write(row, 1, statement["payment_reference"])
        book.close()
        return output.getvalue()


    @api.model
    def _render_xlsx_table(self, partners, data, statements):
        """Many customers' statements as two tables in the user's language: *Summary* (a row per customer
        and currency: totals, disputed, amount due, aging) and *Lines* (every open item, or every movement
        of an activity statement, with its customer). Streamed (constant_memory) through a temporary file:
        memory does not grow with the number of lines."""
        import xlsxwriter  # noqa: PLC0415 - external dependency declared in the manifest

        company = self.env["res.company"].browse(data["company_id"])
        activity = data["statement_type"] == "activity"
        lang_rec = self.env["res.lang"]._get_data(code=self.env.lang or "en_US") or self.env["res.lang"]._get_data(
            code="en_US")
        customer_columns = [self.env._("Customer"), self.env._("Customer reference"), self.env._("Currency")]
        aging = self._bucket_labels(company, data["date_end"])
        summary_head = customer_columns + (
            [self.env._("Balance brought forward"), self.env._("Closing balance")] if activity else []) + [
            self.env._("Total open"), self.env._("Disputed"), self.env._("Amount due"), *aging]
        if activity:
            line_columns = [(self.env._("Date"), "date", "date"), (self.env._("Number"), "move_name", "text"),
                            (self.env._("Reference"), "ref", "text"), (self.env._("Due date"), "date_maturity", "date"),
                            (self.env._("Amount"), "amount", "money"), (self.env._("Balance"), "running", "money"),
                            (self.env._("Type"), "doc_type", "doc")]
        else:
            line_columns = [(self.env._("Date"), "date", "date"), (self.env._("Number"), "move_name", "text"),
                            (self.env._("Reference"), "ref", "text"), (self.env._("Due date"), "date_maturity", "date"),
                            (self.env._("Original"), "original", "money"), (self.env._("Open"), "open", "money"),
                            (self.env._("Disputed"), "disputed", "money"), (self.env._("Balance"), "running", "money"),
                            (self.env._("Type"), "doc_type", "doc")]
        doc_labels = self._doc_type_labels()
        handle, path = tempfile.mkstemp(suffix=".xlsx", prefix="ispec_statements_")
        os.close(handle)
        try:
            book = xlsxwriter.Workbook(path, {"constant_memory": True})
            bold = book.add_format({"bold": True})
            date_fmt = book.add_format({"num_format": _excel_date_format(lang_rec.date_format)})
            money_formats = {}

            def money(currency):
                if currency.id not in money_formats:
                    money_formats[currency.id] = book.add_format(
                        {"num_format": _excel_money_format(currency, lang_rec)})
                return money_formats[currency.id]

            summary = book.add_worksheet(self.env._("Summary"))
            lines_sheet = book.add_worksheet(self.env._("Lines"))
            heads = customer_columns + [head for head, _key, _kind in line_columns]
            for sheet, head in ((summary, summary_head), (lines_sheet, heads)):
                for col, label in enumerate(head):
                    sheet.write_string(0, col, label, bold)
                sheet.freeze_panes(1, 0)
                sheet.set_column(0, 0, 30)
                sheet.set_column(1, len(head) - 1, 15)
            summary_row = line_row = 0
            for partner in partners.commercial_partner_id:
                for section in statements[partner.id]["sections"]:
                    currency = section["currency"]
                    fmt = money(currency)
                    who = [partner.name, partner.ref or "", currency.name]
                    summary_row += 1
                    figures = ([section["balance_forward"], section["closing_balance"]] if activity else []) + [
                        section["open_total"], section["disputed"], section["amount_due"], *section["buckets"]]
                    for col, value in enumerate(who):
                        summary.write_string(summary_row, col, value)
                    for col, value in enumerate(figures, start=len(who)):
                        summary.write_number(summary_row, col, value, fmt)
                    for line in section["activity"] if activity else section["lines"]:
                        line_row += 1
                        for col, value in enumerate(who):
                            lines_sheet.write_string(line_row, col, value)
                        for col, (_head, key, kind) in enumerate(line_columns, start=len(who)):
                            value = line[key]
                            if kind == "date":
                                if value:
                                    lines_sheet.write_datetime(
                                        line_row, col, fields.Datetime.to_datetime(value), date_fmt)
                            elif kind == "money":
                                lines_sheet.write_number(line_row, col, value, fmt)
                            elif kind == "doc":
                                lines_sheet.write_string(line_row, col, doc_labels.get(value, ""))
                            elif value:
                                lines_sheet.write_string(line_row, col, str(value))
            summary.autofilter(0, 0, summary_row, len(summary_head) - 1)
            lines_sheet.autofilter(0, 0, line_row, len(heads) - 1)
            book.close()
            with open(path, "rb") as content:
                return content.read()
        finally:
            os.unlink(path)


def _excel_date_format(python_format):
    """A res.lang strftime date format as an Excel number format (e.g. %d/%m/%Y -> dd/mm/yyyy)."""
    mapping = {"%d": "dd", "%m": "mm", "%Y": "yyyy", "%y": "yy", "%b": "mmm", "%B": "mmmm", "%e": "d", "%a": "ddd",
               "%A": "dddd", "%j": "", "%H": "", "%M": "", "%S": ""}
    result = python_format or "%m/%d/%Y"
    for key, value in mapping.items():
        result = result.replace(key, value)
    return result


def _excel_money_format(currency, lang):
    """An Excel number format with the currency's decimals and symbol on its side."""
    decimals = "0." + "0" * currency.decimal_places if currency.decimal_places else "0"
    number = "#,##" + decimals
    symbol = '"%s"' % (currency.symbol or currency.name).replace('"', "")
    if currency.position == "before":
        return "%s %s;-%s %s" % (symbol, number, symbol, number)
    return "%s %s;-%s %s" % (number, symbol, number, symbol)
