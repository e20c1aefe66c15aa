import hashlib
import json
import logging
import os
import tempfile
import zipfile

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .audit_dataset import DATASETS
from .audit_writer import XLSX_MAX_ROWS, AuditWriter, sha256_file

_logger = logging.getLogger(__name__)

# Only the generation itself may write the results of an export. A context key could be sent by any
# client over RPC; this object cannot (RPC context values are JSON), so it marks the generation's writes.
_GENERATION = object()

# The dataset flags, in the package's order, and the datasets (keys of DATASETS) each one stands for: the
# journal-entry testing extract is the five files of the AICPA Audit Data Standard for the general ledger.
DATASET_FIELDS = (
    ("dataset_invoice_register", ("invoice_register",)),
    ("dataset_credit_note_register", ("credit_note_register",)),
    ("dataset_sequence_check", ("sequence_check",)),
    ("dataset_je_extract", ("ads_gl_detail", "ads_trial_balance", "ads_chart_of_accounts", "ads_user_listing",
                            "ads_source_listing")),
    ("dataset_receivable_aging", ("receivable_aging",)),
    ("dataset_match_log", ("match_log",)),
    ("dataset_dispute_log", ("dispute_log",)),
    ("dataset_change_log", ("change_log",)),
)
# The thresholds of the journal-entry tests.
TEST_PARAMETER_FIELDS = ("late_posting_days", "rare_account_uses", "round_amount_unit")
# What the user chooses; everything else is written by the generation only.
PARAMETER_FIELDS = ("company_id", "date_from", "date_to", "journal_ids", *TEST_PARAMETER_FIELDS,
                    *(flag for flag, _keys in DATASET_FIELDS))
# The fields of an attachment that make up the package: no one changes them once it is generated.
PACKAGE_ATTACHMENT_FIELDS = {"datas", "raw", "db_datas", "store_fname", "file_size", "checksum", "name",
                             "res_model", "res_id", "res_field", "type", "url"}
MANIFEST_NAME = "manifest.json"
CHECKSUMS_NAME = "SHA256SUMS"


class IspecAuditExport(models.Model):
    """An audit export: the parameters an auditor chose, then the package generated from them (a zip of
    an XLSX workbook, one CSV per dataset, a manifest and checksums) and its figures. Once generated it
    is the record of what was given to the auditors: no one changes or deletes it."""

    _name = "ispec.audit.export"
    _description = "Audit Export"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    journal_ids = fields.Many2many(
        "account.journal", string="Journals", check_company=True,
        help="Leave empty for all journals of the company.")
    dataset_invoice_register = fields.Boolean(string="Invoice Register", default=True)
    dataset_credit_note_register = fields.Boolean(string="Credit Note Register", default=True)
    dataset_sequence_check = fields.Boolean(string="Sequence Check", default=True)
    dataset_je_extract = fields.Boolean(
        string="Journal-Entry Testing Extract",
        help="Every line of the entries posted in the period in the AICPA Audit Data Standard layout (GL_Detail, "
             "Trial_Balance, Chart_Of_Accounts, User_Listing, Source_Listing), with the fraud-risk test flags.")
    dataset_receivable_aging = fields.Boolean(
        string="Receivable Aging",
        help="The customers' open items at the end of the period by age, disputed and undisputed apart.")
    dataset_match_log = fields.Boolean(
        string="Match Exceptions and Overrides",
        help="The vendor bills of the period that broke a matching rule, with the figures, and every override.")
    dataset_dispute_log = fields.Boolean(
        string="Dispute Log", help="Every dispute case of the period with its amounts, owner and resolution.")
    dataset_change_log = fields.Boolean(
        string="Change Log",
        help="Every tracked change to the invoices and bills of the period: when, who, which field, old and "
             "new value.")
    late_posting_days = fields.Integer(
        string="Late Posting After (Days)", default=30,
        help="Journal-entry testing flags an entry posted more than this many days after its accounting date.")
    rare_account_uses = fields.Integer(
        string="Rarely Used Account Below (Lines)", default=3,
        help="Journal-entry testing flags the lines of an account used on fewer than this many journal lines in "
             "the period.")
    round_amount_unit = fields.Float(
        string="Round Amount Multiple Of", default=1000.0,
        help="Journal-entry testing flags a line whose amount is a non-zero multiple of this (in company currency).")
    state = fields.Selection(
        [("draft", "Draft"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")],
        default="draft", required=True, readonly=True, copy=False, index=True)
    message = fields.Text(readonly=True, copy=False, help="Why the generation failed.")
    attachment_id = fields.Many2one("ir.attachment", string="Package", readonly=True, copy=False,
                                    ondelete="restrict")
    package_name = fields.Char(related="attachment_id.name", string="Package File")
    package_sha256 = fields.Char(string="Package SHA-256", readonly=True, copy=False)
    generated_by_id = fields.Many2one("res.users", readonly=True, copy=False)
    generated_at = fields.Datetime(readonly=True, copy=False)
    row_count = fields.Integer(string="Rows", readonly=True, copy=False, help="Rows of all datasets together.")
    results = fields.Json(readonly=True, copy=False)
    summary = fields.Text(string="Row Counts and Control Totals", readonly=True, copy=False)

    @api.depends("company_id", "date_from", "date_to")
    def _compute_name(self):
        for export in self:
            export.name = self.env._("Audit export %(company)s %(start)s to %(end)s",
                                     company=export.company_id.name or "", start=export.date_from or "",
                                     end=export.date_to or "")

    @api.constrains(*TEST_PARAMETER_FIELDS)
    def _check_test_parameters(self):
        for export in self:
            if export.late_posting_days < 0 or export.rare_account_uses < 0 or export.round_amount_unit < 0:
                raise ValidationError(self.env._(
                    "The journal-entry test thresholds of the audit export %(name)s cannot be negative: "
                    "enter a number of days, of lines or an amount of zero or more.", name=export.name))

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for export in self:
            if export.date_from and export.date_to and export.date_from > export.date_to:
                raise ValidationError(self.env._(
                    "The audit export %(name)s starts on %(start)s, after its end %(end)s: "
                    "choose a start date on or before the end date.",
                    name=export.name, start=export.date_from, end=export.date_to))

    # ------------------------------------------------------------------------------------------------
    # CRUD: only a draft's parameters change, only a draft is deleted
    # ------------------------------------------------------------------------------------------------
    def _is_generation(self):
        return self.env.context.get("ispec_audit_generation") is _GENERATION

    @api.model_create_multi
    def create(self, vals_list):
        if not self._is_generation():
            for vals in vals_list:
                extra = set(vals) - set(PARAMETER_FIELDS) - {"name"}
                if extra:
                    raise UserError(self.env._(
                        "An audit export is created with its parameters only (%(fields)s are set when it "
                        "is generated).", fields=", ".join(sorted(extra))))
        return super().create(vals_list)

    def write(self, vals):
        if not self._is_generation():
            frozen = self.filtered(lambda export: export.state != "draft")
            if frozen:
                raise UserError(self.env._(
                    "The audit export %(name)s was generated on %(date)s and is kept as it was given to "
                    "the auditors: it cannot be changed. Create a new export instead.",
                    name=frozen[0].name, date=frozen[0].generated_at or frozen[0].create_date))
            extra = set(vals) - set(PARAMETER_FIELDS)
            if extra:
                raise UserError(self.env._(
                    "Only the parameters of the audit export %(name)s can be changed; "
                    "%(fields)s are written when it is generated.",
                    name=self[:1].name, fields=", ".join(sorted(extra))))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        frozen = self.filtered(lambda export: export.state != "draft")
        if frozen:
            raise UserError(self.env._(
                "The audit export %(name)s has been generated and is kept as the record of what the "
                "auditors received: it cannot be deleted.", name=frozen[0].name))

    # ------------------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------------------
    def action_generate(self):
        """Build the package now and freeze the export (or mark it failed, with the reason). Returns whether
        every package was built."""
        results = [export._generate() for export in self]  # every export, even after a failed one
        return all(results)

    def action_download(self):
        self.ensure_one()
        if not self.attachment_id:
            raise UserError(self.env._("The audit export %(name)s has no package yet: generate it first.",
                                       name=self.name))
        return {"type": "ir.actions.act_url", "target": "self",
                "url": f"/web/content/{self.attachment_id.id}?download=true"}

    # ------------------------------------------------------------------------------------------------
    # Generation
    # ------------------------------------------------------------------------------------------------
    def _datasets(self, batch_size=None):
        return [DATASETS[key](self, batch_size=batch_size)
                for flag, keys in DATASET_FIELDS if self[flag] for key in keys]

    def _generate(self, max_rows=XLSX_MAX_ROWS, batch_size=None):
        """Generate the package. ``max_rows``: the rows of a sheet before a dataset continues on the next
        one (Excel's limit; tests lower it). ``batch_size``: the rows read per query (each dataset's own
        default when None; tests lower it)."""
        self.ensure_one()
        if self.state not in ("draft", "failed"):
            raise UserError(self.env._("The audit export %(name)s has already been generated.", name=self.name))
        self.check_access("write")
        datasets = self._datasets(batch_size=batch_size)
        if not datasets:
            raise UserError(self.env._("Choose at least one dataset for the audit export %(name)s.",
                                       name=self.name))
        internal = self.with_context(ispec_audit_generation=_GENERATION)
        internal.write({"state": "running", "message": False})
        try:
            with self.env.cr.savepoint():
                values = self._build_package(datasets, max_rows)
        except Exception as error:  # noqa: BLE001 - any failure is recorded on the export, not lost
            _logger.exception("Audit export %s failed", self.id)
            internal.write({"state": "failed", "message": str(error)})
            return False
        internal.write(dict(values, state="done"))
        return True

    def _build_package(self, datasets, max_rows):
        generated_at = fields.Datetime.now()
        user = self.env.user
        company = self.company_id
        stem = f"audit_{company.id}_{self.date_from}_{self.date_to}_{self.id}"
        with tempfile.TemporaryDirectory(prefix="ispec_audit_") as folder:
            xlsx_name = f"{stem}.xlsx"
            writer = AuditWriter(os.path.join(folder, xlsx_name), folder,
                                 decimals=company.currency_id.decimal_places, max_rows=max_rows)
            try:
                results = [writer.write_dataset(dataset) for dataset in datasets]
            finally:
                writer.close()
            data_files = [xlsx_name] + [result.csv_name for result in results]
            files = [{"name": name, "sha256": sha256_file(os.path.join(folder, name)),
                      "size": os.path.getsize(os.path.join(folder, name))} for name in data_files]
            dataset_entries = [{
                "key": result.dataset.key, "label": result.dataset.label, "rows": result.row_count,
                "control_totals": result.rounded_totals(), "csv": result.csv_name, "xlsx_sheets": result.sheets,
                "columns": [{"name": col.name, "label": col.label, "type": col.type}
                            for col in result.dataset.columns],
            } for result in results]
            manifest = {
                "format": "invoicing_specialist audit export 1",
                "export": {"id": self.id, "name": self.name},
                "company": {"id": company.id, "name": company.name, "vat": company.vat or "",
                            "currency": company.currency_id.name},
                "parameters": {"date_from": self.date_from.isoformat(), "date_to": self.date_to.isoformat(),
                               "journals": [journal.code for journal in self.journal_ids],
                               "datasets": [result.dataset.key for result in results]},
                "generated_at": generated_at.isoformat() + "Z",
                "generated_by": {"id": user.id, "login": user.login, "name": user.name},
                "datasets": dataset_entries,
                "files": files,
            }
            with open(os.path.join(folder, MANIFEST_NAME), "w", encoding="utf-8") as handle:
                json.dump(manifest, handle, indent=2, ensure_ascii=False)
            sums = [(entry["sha256"], entry["name"]) for entry in files]
            sums.append((sha256_file(os.path.join(folder, MANIFEST_NAME)), MANIFEST_NAME))
            with open(os.path.join(folder, CHECKSUMS_NAME), "w", encoding="utf-8", newline="\n") as handle:
                handle.writelines(f"{digest}  {name}\n" for digest, name in sums)
            zip_path = os.path.join(folder, f"{stem}.zip")
            with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as package:
                for name in [MANIFEST_NAME, CHECKSUMS_NAME, *data_files]:
                    package.write(os.path.join(folder, name), arcname=name)
            with open(zip_path, "rb") as handle:
                raw = handle.read()
        attachment = self.env["ir.attachment"].create({
            "name": f"{stem}.zip", "raw": raw, "mimetype": "application/zip",
            "res_model": self._name, "res_id": self.id,
        })
        summary = "\n".join(
            self.env._("%(label)s: %(rows)s rows", label=entry["label"], rows=entry["rows"])
            + "".join(f"; {name} {value}" for name, value in entry["control_totals"].items())
            for entry in dataset_entries)
        return {
            "attachment_id": attachment.id, "package_sha256": hashlib.sha256(raw).hexdigest(),
            "generated_by_id": user.id, "generated_at": generated_at,
            "row_count": sum(entry["rows"] for entry in dataset_entries),
            "results": {"datasets": dataset_entries, "files": files}, "summary": summary,
        }


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    def _ispec_audit_packages(self):
        """The attachments among these that are the package of an audit export."""
        candidates = self.filtered(lambda att: att.res_model == "ispec.audit.export" and att.res_id)
        if not candidates:
            return candidates
        # sudo: only reads which exports hold these files, to refuse changing them (whoever asks).
        exports = self.env["ispec.audit.export"].sudo().browse(candidates.mapped("res_id")).exists()
        return candidates & exports.attachment_id.sudo().with_env(self.env)

    def write(self, vals):
        if PACKAGE_ATTACHMENT_FIELDS & set(vals) and self._ispec_audit_packages():
            raise UserError(self.env._("This file is the package of an audit export: it cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_audit_package(self):
        if self._ispec_audit_packages():
            raise UserError(self.env._("This file is the package of an audit export: it cannot be deleted."))
