import hashlib
import json
import logging
import os
import shutil
import tempfile
import zipfile

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .audit_dataset import DATASETS
from .audit_writer import XLSX_MAX_ROWS, AuditWriter, sha256_file
from .cron_batch import commit_in_batches, search_batches
from .notification import close_with_notification

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
# What an export shares with a recurring schedule (ispec.audit.parameters): all but the period.
SHARED_PARAMETER_FIELDS = ("company_id", "journal_ids", "file_formats", *TEST_PARAMETER_FIELDS,
                           *(flag for flag, _keys in DATASET_FIELDS))
# What the user chooses; everything else is written by the generation only.
PARAMETER_FIELDS = ("date_from", "date_to", *SHARED_PARAMETER_FIELDS)
# A background generation (queued by a user or by a schedule) is tried this many times: a worker killed
# while building it (out of memory or time) resumes it at the next call of the scheduled action, a
# scheduled run that failed is tried again there; after that it stays failed with its reason.
MAX_ATTEMPTS = 3
CRON_XMLID = "invoicing_specialist.ir_cron_audit_exports"
# The fields of an attachment that make up the package: no one changes them once it is generated.
PACKAGE_ATTACHMENT_FIELDS = {"datas", "raw", "db_datas", "store_fname", "file_size", "checksum", "name",
                             "res_model", "res_id", "res_field", "type", "url"}
MANIFEST_NAME = "manifest.json"
CHECKSUMS_NAME = "SHA256SUMS"


class IspecAuditParameters(models.AbstractModel):
    """What an audit package holds, whatever its period: the company, the journals, the datasets and the
    thresholds of the journal-entry tests. An export has them with its period; a recurring schedule has
    them and hands them to each export it makes (``_shared_parameter_values``)."""

    _name = "ispec.audit.parameters"
    _description = "Audit Export Parameters"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
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
    file_formats = fields.Selection(
        [("xlsx_csv", "XLSX and CSV"), ("csv", "CSV Only"), ("xlsx", "XLSX Only")],
        string="Files", required=True, default="xlsx_csv",
        help="XLSX: one workbook with a sheet per dataset, typed cells, for reading. CSV: one text file per dataset "
             "(the journal-entry extract as the pipe-delimited files of the Audit Data Standard), for audit "
             "software; CSV only is much faster on a large ledger.")
    round_amount_unit = fields.Float(
        string="Round Amount Multiple Of", default=1000.0,
        help="Journal-entry testing flags a line whose amount is a non-zero multiple of this (in company currency).")

    @api.constrains(*TEST_PARAMETER_FIELDS)
    def _check_test_parameters(self):
        for record in self:
            if record.late_posting_days < 0 or record.rare_account_uses < 0 or record.round_amount_unit < 0:
                raise ValidationError(self.env._(
                    "The journal-entry test thresholds of %(name)s cannot be negative: "
                    "enter a number of days, of lines or an amount of zero or more.", name=record.display_name))

    def _has_dataset(self):
        self.ensure_one()
        return any(self[flag] for flag, _keys in DATASET_FIELDS)

    def _shared_parameter_values(self):
        """The values of the shared parameters, to create a record of another model with them."""
        self.ensure_one()
        values = {name: self[name] for name in SHARED_PARAMETER_FIELDS if name not in ("company_id", "journal_ids")}
        return dict(values, company_id=self.company_id.id, journal_ids=[fields.Command.set(self.journal_ids.ids)])


class IspecAuditExport(models.Model):
    """An audit export: the parameters an auditor chose, then the package generated from them (a zip of
    an XLSX workbook, one CSV per dataset, a manifest and checksums) and its figures. Once generated it
    is the record of what was given to the auditors: no one changes or deletes it.

    It is generated at once (Generate Package) or in the background by the scheduled action (Generate in
    Background, and the runs of a recurring schedule): queued, running, then done or failed, and the user
    who asked (or the schedule's responsible) is told in the chatter and with a notification."""

    _name = "ispec.audit.export"
    _inherit = ["ispec.audit.parameters", "mail.thread"]
    _description = "Audit Export"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    state = fields.Selection(
        [("draft", "Draft"), ("queued", "Queued"), ("running", "Running"), ("done", "Done"), ("failed", "Failed")],
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
    # The background generation (the scheduled action): who is told, how often it was tried.
    background = fields.Boolean(
        readonly=True, copy=False, help="Generated by the scheduled action, not while the user waited.")
    requested_by_id = fields.Many2one(
        "res.users", readonly=True, copy=False,
        help="Told when the package is ready or the generation failed; the package is built with this user's "
             "rights.")
    attempt_count = fields.Integer(
        string="Attempts", readonly=True, copy=False,
        help="How many times the scheduled action started generating this export.")
    schedule_id = fields.Many2one(
        "ispec.audit.schedule", readonly=True, copy=False, index="btree_not_null",
        ondelete="restrict", check_company=True, help="The recurring export that made this run.")
    mail_state = fields.Selection(
        [("to_send", "To Send"), ("sent", "Sent")], string="Recipients Mailed", readonly=True, copy=False,
        help="Whether the schedule's recipients have been sent the link to this run's package (once only).")

    # A schedule makes one export per period: never two, whatever crashes in between.
    _schedule_period_unique = models.UniqueIndex(
        "(schedule_id, date_from, date_to) WHERE schedule_id IS NOT NULL",
        "This schedule already has an export of this period.")

    @api.depends("company_id", "date_from", "date_to")
    def _compute_name(self):
        for export in self:
            export.name = self.env._("Audit export %(company)s %(start)s to %(end)s",
                                     company=export.company_id.name or "", start=export.date_from or "",
                                     end=export.date_to or "")

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
        # The chatter's own fields (followers, messages) are not the export's content.
        if not self._is_generation() and not set(vals) <= set(self.env["mail.thread"]._fields) - {"id"}:
            queued = self.filtered(lambda export: export.state in ("queued", "running"))
            if queued:
                raise UserError(self.env._(
                    "The audit export %(name)s is being generated in the background: it cannot be changed. "
                    "Wait until it is done, then create a new export if you need other parameters.",
                    name=queued[0].name))
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

    def action_generate_background(self):
        """Queue the exports: the scheduled action builds them (a large export does not keep the user
        waiting) and tells the user in the chatter and with a notification when each one is ready."""
        self.check_access("write")
        for export in self:
            export._check_can_generate()
        cron = self._background_cron()
        self.with_context(ispec_audit_generation=_GENERATION).write({
            "state": "queued", "background": True, "requested_by_id": self.env.uid, "attempt_count": 0,
            "message": False,
        })
        cron._trigger()
        return close_with_notification(self.env._(
            "%(count)s audit export(s) queued: they are generated in the background and you are notified "
            "when each package is ready.", count=len(self)), "info")

    def action_download(self):
        self.ensure_one()
        if not self.attachment_id:
            raise UserError(self.env._("The audit export %(name)s has no package yet: generate it first.",
                                       name=self.name))
        return {"type": "ir.actions.act_url", "target": "self", "url": self._download_path()}

    # ------------------------------------------------------------------------------------------------
    # Generation
    # ------------------------------------------------------------------------------------------------
    def _datasets(self, batch_size=None):
        return [DATASETS[key](self, batch_size=batch_size)
                for flag, keys in DATASET_FIELDS if self[flag] for key in keys]

    def _check_can_generate(self):
        """Refuse, in words, an export that is generated already (or being generated) or has no dataset."""
        self.ensure_one()
        if self.state in ("queued", "running"):
            raise UserError(self.env._("The audit export %(name)s is already being generated in the background: "
                                       "you are notified when it is ready.", name=self.name))
        if self.state not in ("draft", "failed"):
            raise UserError(self.env._("The audit export %(name)s has already been generated.", name=self.name))
        if not self._has_dataset():
            raise UserError(self.env._("Choose at least one dataset for the audit export %(name)s.",
                                       name=self.name))

    def _generate(self, max_rows=XLSX_MAX_ROWS, batch_size=None):
        """Generate the package. ``max_rows``: the rows of a sheet before a dataset continues on the next
        one (Excel's limit; tests lower it). ``batch_size``: the rows read per query (each dataset's own
        default when None; tests lower it)."""
        self.ensure_one()
        self._check_can_generate()
        self.check_access("write")
        return self._run_generation(max_rows, batch_size)

    def _run_generation(self, max_rows=XLSX_MAX_ROWS, batch_size=None):
        """Build the package in a savepoint: done with its figures, or failed with the reason (logged)."""
        datasets = self._datasets(batch_size=batch_size)
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

    # ------------------------------------------------------------------------------------------------
    # In the background: the scheduled action
    # ------------------------------------------------------------------------------------------------
    def _background_cron(self):
        cron = self.env.ref(CRON_XMLID, raise_if_not_found=False)
        # sudo: only whether the scheduled action exists and is active; users cannot read ir.cron.
        if not cron or not cron.sudo().active:
            raise UserError(self.env._(
                "Audit exports cannot be generated in the background: the scheduled action "
                "\"Invoicing Control: audit exports\" is archived or deleted. Generate the package now, or ask "
                "an administrator to restore it."))
        # sudo: adding a trigger to the addon's own scheduled action (ir.cron.trigger is for admins only).
        return cron.sudo()

    @api.model
    def _cron_audit_exports(self, today=None):
        """Scheduled action (triggered at once by Generate in Background, and daily for the schedules).

        1. Each due schedule gets its run of the previous period (an export, queued) and its next run date,
           together, one schedule batch per commit.
        2. The scheduled runs that failed are queued again while they have attempts left.
        3. Each queued export is built, one per commit; an export still running was interrupted (the worker
           died: memory, time limit) and is resumed, up to MAX_ATTEMPTS times.
        4. The recipients of each scheduled run that is done are mailed a link, one commit per run, after the
           build's own commit: a crash in between mails at the next call and builds nothing again.
        Nothing is done twice: each step's state is on the records and committed with what the step did.
        """
        if not self._queue_scheduled_runs(today):
            return True  # out of time: the next call goes on
        next_batch, remaining = search_batches(self, [("state", "in", ("queued", "running"))], 1, order="id")
        _time_left, done = commit_in_batches(self.env, next_batch, lambda batch: batch._build_in_background(),
                                             remaining)
        if not done:
            return True
        next_batch, remaining = search_batches(
            self, [("mail_state", "=", "to_send"), ("state", "=", "done")], 1, order="id")
        commit_in_batches(self.env, next_batch, lambda batch: batch._mail_recipients(), remaining)
        return True

    @api.model
    def _queue_scheduled_runs(self, today=None):
        """Steps 1 and 2 of the scheduled action: each due schedule's run made (queued), the failed scheduled
        runs with attempts left queued again. False when the cron's time ran out before every schedule was
        done (the next call goes on)."""
        today = today or fields.Date.context_today(self)
        if not self.env["ispec.audit.schedule"]._create_due_runs(today):
            return False
        internal = self.with_context(ispec_audit_generation=_GENERATION)
        internal.search([("schedule_id", "!=", False), ("state", "=", "failed"),
                         ("attempt_count", "<", MAX_ATTEMPTS)]).write({"state": "queued"})
        return True

    def _build_in_background(self):
        """Build one queued (or interrupted) export as the user who asked for it, then tell them."""
        self.ensure_one()
        internal = self.with_context(ispec_audit_generation=_GENERATION)
        if self.state == "running" and self.attempt_count >= MAX_ATTEMPTS:
            internal.write({"state": "failed", "message": self.env._(
                "The generation was interrupted %(count)s times before it finished: the server stopped it, "
                "most likely because it needed more memory or time than a worker may use (limit_memory_hard, "
                "limit_time_real_cron). Choose fewer datasets or a shorter period, or ask an administrator to "
                "raise those limits, then generate it again.", count=self.attempt_count)})
            self._notify_requester()
            return
        # Committed before building: if the worker dies while building, the next call sees the attempt.
        internal.write({"state": "running", "attempt_count": self.attempt_count + 1, "message": False})
        self.env["ir.cron"]._commit_progress()
        user = self.requested_by_id or self.env.user
        try:
            # The package is built with the rights of whoever asked for it (and says so in its manifest):
            # a schedule or the background gives no one more than they have.
            export = self.with_user(user).with_company(self.company_id)
            export.check_access("write")
            if not export._has_dataset():
                raise UserError(self.env._("Choose at least one dataset for the audit export %(name)s.",
                                           name=self.name))
            export._run_generation()
        except Exception as error:  # noqa: BLE001 - recorded on the export: the user is told why
            _logger.info("Audit export %s could not be generated: %s", self.id, error)
            internal.write({"state": "failed", "message": str(error)})
        self._notify_requester()

    def _notify_requester(self):
        """Tell the user who asked that the package is ready, or why it failed (the responsible of a
        recurring run hears of failures only): a message on the export addressed to them (inbox or email,
        as they chose) and a notification in their open browser."""
        self.ensure_one()
        user = self.requested_by_id
        if self.state == "done" and self.schedule_id:
            return  # a recurring run that worked: its recipients are mailed, its responsible need not be
        env = self.with_context(lang=user.lang or self.env.lang).env  # the requester's language
        if self.state == "done":
            body = Markup("<p>%s</p>") % env._(
                "The package is ready: %(file)s, %(rows)s rows, SHA-256 %(sha)s.",
                file=self.package_name, rows=self.row_count, sha=self.package_sha256)
            toast = env._("%(name)s is ready to download.", name=self.name)
        else:
            retry = self.schedule_id and self.attempt_count < MAX_ATTEMPTS
            body = Markup("<p>%s</p><p>%s</p>") % (
                env._("The package could not be generated: %(reason)s", reason=self.message),
                env._("The scheduled action tries again at its next run.") if retry else
                env._("Remove the cause, then press Generate Package or Generate in Background again."))
            toast = env._("%(name)s failed: %(reason)s", name=self.name, reason=self.message)
        # sudo: the system posts on the export (the requester may have lost access meanwhile; the message
        # only says what happened to their request).
        self.sudo().message_post(body=body, partner_ids=user.partner_id.ids, message_type="comment",
                                 subtype_xmlid="mail.mt_comment")
        if user:
            user._bus_send("simple_notification", {
                "type": "success" if self.state == "done" else "danger", "title": env._("Audit export"),
                "message": toast, "sticky": self.state != "done"})

    def _mail_recipients(self):
        """Mail the schedule's recipients a link to this run (one message per language); mark it sent in
        the same transaction, so a recipient is never mailed twice. Recipients who may no longer open the
        export are left out, and the message says so."""
        self.ensure_one()
        schedule = self.schedule_id
        recipients = schedule.recipient_ids.filtered(lambda user: self.with_user(user).has_access("read"))
        skipped = schedule.recipient_ids - recipients
        template = self.env.ref("invoicing_specialist.mail_template_audit_schedule_run", raise_if_not_found=False)
        for lang, users in recipients.grouped(lambda user: user.lang or self.env.lang or "en_US").items():
            export = self.with_context(lang=lang, record_url=self._record_url(),
                                       download_url=self.get_base_url() + self._download_path())
            if template:
                template = template.with_context(**export.env.context)
                subject = template._render_field("subject", self.ids)[self.id]
                body = template._render_field("body_html", self.ids)[self.id]
            else:
                subject = export.env._("Audit package %(name)s is ready", name=self.name)
                body = Markup('<p><a href="%s">%s</a></p>') % (export.env.context["record_url"], subject)
            # sudo: the system mails the schedule's recipients; who may open the export was checked above.
            export.sudo().message_post(
                subject=subject, body=body, partner_ids=users.partner_id.ids, message_type="comment",
                subtype_xmlid="mail.mt_comment", email_layout_xmlid="mail.mail_notification_light")
        if skipped:
            self.sudo().message_post(body=self.env._(
                "Not sent to %(users)s: they may no longer open the audit exports of %(company)s. Give them the "
                "Auditor or Manager role in this company, or remove them from the schedule %(schedule)s.",
                users=", ".join(skipped.mapped("name")), company=self.company_id.name, schedule=schedule.name))
        self.with_context(ispec_audit_generation=_GENERATION).write({"mail_state": "sent"})

    def _record_url(self):
        self.ensure_one()
        return f"{self.get_base_url()}/odoo/{self._name}/{self.id}"

    def _download_path(self):
        self.ensure_one()
        return f"/web/content/{self.attachment_id.id}?download=true"

    def _summary_sheet_labels(self):
        """The labels of the workbook's Control Totals sheet, in the user's language."""
        return {
            "sheet": self.env._("Control Totals"), "dataset": self.env._("Dataset"), "file": self.env._("File"),
            "rows": self.env._("Rows"), "column": self.env._("Column"), "total": self.env._("Total"),
        }

    def _build_package(self, datasets, max_rows):
        generated_at = fields.Datetime.now()
        user = self.env.user
        company = self.company_id
        stem = f"audit_{company.id}_{self.date_from}_{self.date_to}_{self.id}"
        with tempfile.TemporaryDirectory(prefix="ispec_audit_") as folder:
            xlsx_name = f"{stem}.xlsx" if self.file_formats in ("xlsx_csv", "xlsx") else None
            writer = AuditWriter(xlsx_name and os.path.join(folder, xlsx_name),
                                 folder if self.file_formats in ("xlsx_csv", "csv") else None,
                                 decimals=company.currency_id.decimal_places, max_rows=max_rows,
                                 summary_labels=self._summary_sheet_labels())
            try:
                results = [writer.write_dataset(dataset) for dataset in datasets]
            finally:
                writer.close()
            data_files = [name for name in [xlsx_name, *(result.csv_name for result in results)] if name]
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
            package_sha256 = sha256_file(zip_path)
            attachment = self.env["ir.attachment"]._ispec_create_from_file(zip_path, {
                "name": f"{stem}.zip", "mimetype": "application/zip", "res_model": self._name, "res_id": self.id,
            })
        summary = "\n".join(
            self.env._("%(label)s: %(rows)s rows", label=entry["label"], rows=entry["rows"])
            + "".join(f"; {name} {value}" for name, value in entry["control_totals"].items())
            for entry in dataset_entries)
        return {
            "attachment_id": attachment.id, "package_sha256": package_sha256,
            "generated_by_id": user.id, "generated_at": generated_at,
            "row_count": sum(entry["rows"] for entry in dataset_entries),
            "results": {"datasets": dataset_entries, "files": files}, "summary": summary,
        }


class IrAttachment(models.Model):
    _inherit = "ir.attachment"

    @api.model
    def _ispec_create_from_file(self, path, values):
        """An attachment holding the file at ``path``, copied into the filestore as it is on disk: the
        file is never read into memory whole (a package of a million lines is hundreds of megabytes).
        With attachments stored in the database (``ir_attachment.location = db``) it is read, as Odoo
        must then hold it to store it."""
        if self._storage() == "db":
            with open(path, "rb") as handle:
                return self.create(dict(values, raw=handle.read()))
        digest = hashlib.sha1()
        with open(path, "rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
        checksum = digest.hexdigest()
        fname = f"{checksum[:2]}/{checksum}"
        full_path = self._full_path(fname)
        os.makedirs(os.path.dirname(full_path), exist_ok=True)
        if not os.path.exists(full_path):
            # Marked first, as Odoo's own _file_write does: if the transaction aborts, the garbage
            # collection of the filestore removes the copy.
            self._mark_for_gc(fname)
            shutil.copyfile(path, full_path)
        attachment = self.create(values)  # empty: its content is set below, without reading it
        # Odoo's create() drops store_fname, checksum and file_size (it computes them from the content
        # it is given); they are written on the new row itself.
        self.env.cr.execute(SQL(
            "UPDATE ir_attachment SET store_fname = %s, checksum = %s, file_size = %s, db_datas = NULL "
            "WHERE id = %s", fname, checksum, os.path.getsize(path), attachment.id))
        attachment.invalidate_recordset(["store_fname", "checksum", "file_size", "db_datas", "raw", "datas"])
        return attachment

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
