"""Invoicing activity reports: the figures of a company's month, quarter or year beside the previous period and the
same period last year, each opening the records behind it. The figures are defined in activity_report_figures.py; the
PDF, workbook and scheduled mail in activity_report_output.py."""

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, format_amount, format_date

from ..kernels import activity as kernel
from .activity_report_figures import COLUMNS, FIGURES, FIGURES_BY_KEY, SECTIONS, SOURCES, figure_value_sql

PERIOD_TYPES = [("month", "Month"), ("quarter", "Quarter"), ("year", "Year")]
# The list view of the records behind a figure, per model.
RECORD_VIEWS = {
    "account.move": "account.view_invoice_tree",
    "account.move.line": "account.view_move_line_tree",
}


def _last_month_end():
    return fields.Date.today().replace(day=1) - relativedelta(days=1)


# A screen over live figures, kept next to its engine rather than among the wizards; transient: a report is
# computed when opened, and Odoo's vacuum clears it.
class IspecActivityReport(models.TransientModel):  # pylint: disable=no-wizard-in-models
    """One company's invoicing activity for one period, with the previous period and the same period last year."""

    _name = "ispec.activity.report"
    _description = "Invoicing Activity Report"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    period_type = fields.Selection(PERIOD_TYPES, string="Period", required=True, default="month")
    period_date = fields.Date(
        string="Period Of", required=True, default=lambda self: _last_month_end(),
        help="Any day of the month, quarter or year to report on. Quarters and years follow the company's "
             "fiscal year.")
    date_from = fields.Date(compute="_compute_periods")
    date_to = fields.Date(compute="_compute_periods")
    previous_from = fields.Date(compute="_compute_periods")
    previous_to = fields.Date(compute="_compute_periods")
    last_year_from = fields.Date(compute="_compute_periods")
    last_year_to = fields.Date(compute="_compute_periods")
    period_label = fields.Char(string="Reported Period", compute="_compute_periods")
    sale_installed = fields.Boolean(compute="_compute_sale_installed")
    line_ids = fields.One2many("ispec.activity.report.line", "report_id", string="Figures", readonly=True)
    billed_line_ids = fields.One2many("ispec.activity.report.line", "report_id", domain=[("section", "=", "billed")])
    collected_line_ids = fields.One2many("ispec.activity.report.line", "report_id",
                                         domain=[("section", "=", "collected")])
    timeliness_line_ids = fields.One2many("ispec.activity.report.line", "report_id",
                                          domain=[("section", "=", "timeliness")])
    vendor_line_ids = fields.One2many("ispec.activity.report.line", "report_id", domain=[("section", "=", "vendor")])
    dispute_line_ids = fields.One2many("ispec.activity.report.line", "report_id",
                                       domain=[("section", "=", "disputes")])

    @api.depends("company_id", "period_type", "period_date")
    def _compute_periods(self):
        for report in self:
            if not (report.company_id and report.period_type and report.period_date):
                report.update(dict.fromkeys(["date_from", "date_to", "previous_from", "previous_to",
                                             "last_year_from", "last_year_to", "period_label"], False))
                continue
            periods = report._periods(report.company_id, report.period_type, report.period_date)
            (report.date_from, report.date_to), (report.previous_from, report.previous_to), (
                report.last_year_from, report.last_year_to) = (periods[column] for column in COLUMNS)
            report.period_label = self._period_label(*periods["current"])

    @api.depends("period_label", "company_id")
    def _compute_display_name(self):
        """The breadcrumb names the period reported on."""
        for report in self:
            report.display_name = report.period_label or self.env._("Activity Report")

    def _compute_sale_installed(self):
        self.sale_installed = SOURCES["timeliness"].available(self.env)

    @api.onchange("company_id", "period_type", "period_date")
    def _onchange_period(self):
        # The figures shown were computed for the former period: they go until the report is updated.
        self.line_ids = [fields.Command.clear()]

    @api.model_create_multi
    def create(self, vals_list):
        reports = super().create(vals_list)
        reports._fill_lines()
        return reports

    def action_update(self):
        self._fill_lines()
        return True

    # ------------------------------------------------------------------------------------------------
    # The figures engine
    # ------------------------------------------------------------------------------------------------
    @api.model
    def _periods(self, company, period_type, day):
        """{column: (date_from, date_to)} for the period of ``period_type`` holding ``day``."""
        fiscal_last_month = int(company.fiscalyear_last_month or 12)
        date_from, date_to = kernel.period_bounds(period_type, day, fiscal_last_month)
        return {
            "current": (date_from, date_to),
            "previous": kernel.previous_period(period_type, date_from, fiscal_last_month),
            "last_year": kernel.same_period_last_year(period_type, date_from, fiscal_last_month),
        }

    @api.model
    def _period_label(self, date_from, date_to):
        return "%s - %s" % (format_date(self.env, date_from), format_date(self.env, date_to))

    @api.model
    def _figures(self):
        """The figures that apply here: timeliness only where the sale app is installed."""
        return [figure for figure in FIGURES
                if not figure.source or not SOURCES[figure.source].available
                or SOURCES[figure.source].available(self.env)]

    @api.model
    def _check_report_company(self, company):
        if not self.env.su and company not in self.env.user.company_ids:
            raise AccessError(self.env._("You do not work in %(company)s: its activity report is not yours to see.",
                                         company=company.display_name))

    @api.model
    def _figure_values(self, company, periods):
        """{column: {figure key: value}} for ``periods`` ({column: (date_from, date_to)}) of ``company``: one
        query per source for all the periods at once. Counts and amounts are 0 where nothing happened; averages
        and shares are None where there was nothing to average or divide."""
        self._check_report_company(company)
        self.env.flush_all()  # the sources read invoices, items, reconciliations, cases, deliveries...
        figures = self._figures()
        values = {column: {} for column in periods}
        period_rows = SQL(", ").join(
            SQL("(%s, %s::date, %s::date)", column, date_from, date_to)
            for column, (date_from, date_to) in periods.items())
        by_source = {}
        for figure in figures:
            if figure.source:
                by_source.setdefault(figure.source, []).append(figure)
        for source_name, source_figures in by_source.items():
            source = SOURCES[source_name]
            ctes = source.ctes(company.id) if source.ctes else []
            query = SQL(
                "WITH periods(key, date_from, date_to) AS (VALUES %s)%s SELECT p.key, %s FROM periods p %s "
                "GROUP BY p.key",
                period_rows, SQL("").join(SQL(", %s", cte) for cte in ctes),
                SQL(", ").join(figure_value_sql(figure) for figure in source_figures), source.joins(company.id))
            for column, *row in self.env.execute_query(query):
                for figure, value in zip(source_figures, row, strict=True):
                    values[column][figure.key] = self._normalize(company, figure, value)
        for column, (date_from, date_to) in periods.items():
            days = (date_to - date_from).days + 1
            for figure in figures:
                if figure.derive:
                    values[column][figure.key] = figure.derive(values[column], days)
        return values

    @api.model
    def _normalize(self, company, figure, value):
        if figure.kind in ("count", "amount") and value is None:
            value = 0
        if value is None:
            return None
        if figure.kind == "count":
            return int(value)
        if figure.kind == "amount":
            return company.currency_id.round(float(value))
        return float(value)

    @api.model
    def _figure_record_ids(self, company, figure_key, date_from, date_to):
        """The ids of the records behind a figure for one period, from the figure's own source and condition."""
        self._check_report_company(company)
        figure = FIGURES_BY_KEY[figure_key]
        figure = FIGURES_BY_KEY[figure.records_of] if figure.records_of else figure
        source = SOURCES[figure.source]
        self.env.flush_all()  # the sources read invoices, items, reconciliations, cases, deliveries...
        ctes = source.ctes(company.id) if source.ctes else []
        query = SQL(
            "WITH periods(key, date_from, date_to) AS (VALUES ('current', %s::date, %s::date))%s "
            "SELECT DISTINCT %s FROM periods p %s WHERE %s AND %s IS NOT NULL",
            date_from, date_to, SQL("").join(SQL(", %s", cte) for cte in ctes), source.id_column,
            source.joins(company.id), figure.where, source.id_column)
        return source.model, [row[0] for row in self.env.execute_query(query)]

    @api.model
    def _figure_action(self, company, figure_key, date_from, date_to):
        model, ids = self._figure_record_ids(company, figure_key, date_from, date_to)
        view = self.env.ref(RECORD_VIEWS[model], raise_if_not_found=False) if model in RECORD_VIEWS else None
        return {
            "type": "ir.actions.act_window",
            "name": "%s (%s)" % (FIGURES_BY_KEY[figure_key].label, self._period_label(date_from, date_to)),
            "res_model": model,
            "view_mode": "list,form",
            "views": [(view.id if view else False, "list"), (False, "form")],
            "domain": [("id", "in", ids)],
            "context": {"create": False},
        }

    def _fill_lines(self):
        """Write the report's lines: a figure per line, its values in the three periods."""
        for report in self:
            periods = report._periods(report.company_id, report.period_type, report.period_date)
            values = report._figure_values(report.company_id, periods)
            report.line_ids.unlink()
            self.env["ispec.activity.report.line"].create([{
                "report_id": report.id, "sequence": sequence, "figure_key": figure.key, "section": figure.section,
                **{f"value_{column}": values[column][figure.key] or 0.0 for column in COLUMNS},
                **{f"empty_{column}": values[column][figure.key] is None for column in COLUMNS},
            } for sequence, figure in enumerate(report._figures())])

    def _format_value(self, figure, value):
        """A figure's value as a person reads it: a count, an amount in the company's currency, days with one
        decimal, a percent; a dash where there was nothing to average or divide."""
        if value is None:
            return "-"
        if figure.kind == "count":
            return str(value)
        if figure.kind == "amount":
            return format_amount(self.env, value, self.company_id.currency_id)
        if figure.kind == "percent":
            return "%.1f %%" % value
        return "%.1f" % value


class IspecActivityReportLine(models.TransientModel):  # pylint: disable=no-wizard-in-models
    _name = "ispec.activity.report.line"
    _description = "Invoicing Activity Report Figure"
    _order = "sequence, id"

    report_id = fields.Many2one("ispec.activity.report", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer()
    figure_key = fields.Char(required=True)
    section = fields.Selection(SECTIONS, required=True)
    name = fields.Char(string="Figure", compute="_compute_figure")
    help_text = fields.Char(string="What It Counts", compute="_compute_figure")
    value_current = fields.Float(digits=(16, 4))
    value_previous = fields.Float(digits=(16, 4))
    value_last_year = fields.Float(digits=(16, 4))
    empty_current = fields.Boolean()
    empty_previous = fields.Boolean()
    empty_last_year = fields.Boolean()
    display_current = fields.Char(string="This Period", compute="_compute_display")
    display_previous = fields.Char(string="Previous Period", compute="_compute_display")
    display_last_year = fields.Char(string="Same Period Last Year", compute="_compute_display")

    @api.depends("figure_key")
    def _compute_figure(self):
        for line in self:
            figure = FIGURES_BY_KEY.get(line.figure_key)
            line.name = str(figure.label) if figure else line.figure_key
            line.help_text = str(figure.help) if figure else False

    @api.depends("value_current", "value_previous", "value_last_year", "empty_current", "empty_previous",
                 "empty_last_year", "report_id.company_id")
    def _compute_display(self):
        for line in self:
            figure = FIGURES_BY_KEY.get(line.figure_key)
            for column in COLUMNS:
                value = line.value(column) if figure else None
                line[f"display_{column}"] = line.report_id._format_value(figure, value) if figure else False

    def value(self, column):
        """The line's value in ``column`` as the engine gave it (None: nothing to average or divide)."""
        self.ensure_one()
        if self[f"empty_{column}"]:
            return None
        value = self[f"value_{column}"]
        return int(value) if FIGURES_BY_KEY[self.figure_key].kind == "count" else value

    def _open_records(self, column):
        self.ensure_one()
        report = self.report_id
        periods = report._periods(report.company_id, report.period_type, report.period_date)
        return report._figure_action(report.company_id, self.figure_key, *periods[column])

    def action_open_current(self):
        return self._open_records("current")

    def action_open_previous(self):
        return self._open_records("previous")

    def action_open_last_year(self):
        return self._open_records("last_year")


from . import activity_report_output  # noqa: E402, F401 - the PDF, workbook and scheduled mail
