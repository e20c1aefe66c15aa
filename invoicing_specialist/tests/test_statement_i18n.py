import html as html_lib
import io
import re

import openpyxl

from odoo.tests import tagged
from odoo.tools import format_amount

from .test_dispute import DisputeCase
from .test_statement_data import StatementLedgerCase

# What the customer reads on an English statement, and what a French customer reads instead
# (the translations shipped in i18n/fr.po).
FRENCH = {
    "Statement of Open Items": "Relevé des postes ouverts",
    "Statement of Activity": "Relevé des mouvements",
    "Customer": "Client",
    "Customer reference": "Référence client",
    "Statement number": "Numéro de relevé",
    "Address": "Adresse",
    "Statement date": "Date du relevé",
    "From": "Du",
    "Currency": "Devise",
    "Date": "Date",
    "Number": "Numéro",
    "Reference": "Référence",
    "Due date": "Échéance",
    "Amount": "Montant",
    "Original": "Montant initial",
    "Open": "Ouvert",
    "Disputed": "Contesté",
    "Balance": "Solde",
    "Type": "Type",
    "Invoice": "Facture",
    "Credit Note": "Avoir",
    "Payment": "Paiement",
    "Refund": "Remboursement",
    "Balance brought forward": "Solde reporté",
    "Closing balance": "Solde de clôture",
    "Aging": "Balance âgée",
    "Current": "Non échu",
    "Over 120": "Plus de 120",
    "Total open": "Total non réglé",
    "Amount due": "Montant dû",
    "Payment instructions": "Instructions de paiement",
    "Bank account": "Compte bancaire",
    "Payment reference": "Référence de paiement",
}
LANGS = ("fr_FR", "de_DE", "es_ES", "nl_NL")


def _load_languages(env, langs=LANGS):
    """Install the languages the way Odoo does: activate them and load the module's .po files."""
    for lang in langs:
        env["res.lang"]._activate_lang(lang)
    env["ir.module.module"]._load_module_terms(["invoicing_specialist"], list(langs), overwrite=True)


def _text(html):
    """The words of an HTML document, spaces (narrow, no-break) made plain."""
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", html))
    text = " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())
    return re.sub(r" ([.,])", r"\1", text)  # "<strong>REF</strong>." reads "REF."


@tagged("post_install", "-at_install")
class TestStatementI18n(StatementLedgerCase):
    """A customer's statement (PDF, XLSX) and its mail say, in the customer's language, what the English ones say."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        _load_languages(cls.env)
        cls.env.company.partner_id.bank_ids = [(0, 0, {"acc_number": "BE71 0961 2345 6769"})]
        cls.statement = cls.env["ispec.statement"]

    def _data(self, statement_type):
        return self.statement._report_data(statement_type, self.DATE_END, self.DATE_START, self.env.company)

    def _xlsx(self, statement_type, lang):
        self.customer.lang = lang
        content = self.statement._render_xlsx(self.customer, self._data(statement_type))
        sheet = openpyxl.load_workbook(io.BytesIO(content)).active
        return [[cell for cell in row if cell is not None] for row in sheet.iter_rows(values_only=True)]

    def _html(self, statement_type, lang):
        self.customer.lang = lang
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            "invoicing_specialist.action_report_statement", self.customer.ids, data=self._data(statement_type)
        )
        return _text(html.decode())

    def test_xlsx_french_says_what_english_says(self):
        """Cell by cell, the French workbook is the English one with each label translated: same figures."""
        for statement_type in ("outstanding", "activity"):
            english = self._xlsx(statement_type, "en_US")
            french = self._xlsx(statement_type, "fr_FR")
            expected = [[FRENCH.get(cell, cell) if isinstance(cell, str) else cell for cell in row] for row in english]
            self.assertEqual(french, expected, statement_type)
            # and these rows are really there, so the comparison above is not between two empty sheets
            title = FRENCH["Statement of Open Items" if statement_type == "outstanding" else "Statement of Activity"]
            self.assertEqual(french[1], [title])
            self.assertEqual([row[1:] for row in french if row and row[0] == "Montant dû"], [[1050], [350]])
        outstanding = self._xlsx("outstanding", "fr_FR")
        self.assertIn(["Date", "Numéro", "Référence", "Échéance", "Montant initial", "Ouvert", "Contesté", "Solde",
                       "Type"], outstanding)
        aging = [i for i, row in enumerate(outstanding) if row and row[0] == "Balance âgée"]
        self.assertEqual(outstanding[aging[0]][1:], ["Non échu", "1-30", "31-60", "61-90", "91-120", "Plus de 120"])
        self.assertEqual([outstanding[i + 1] for i in aging], [[500, -150, 0, 700, 0, 0], [0, 0, 350, 0, 0, 0]])
        self.assertIn(["Compte bancaire", "BE71 0961 2345 6769"], [row[:2] for row in outstanding])
        self.assertFalse({"Amount due", "Over 120", "Due date", "Aging"} & {c for row in outstanding for c in row})

    def test_pdf_french_says_what_english_says(self):
        """The statement document (its HTML, as in the PDF): French labels, the same amounts in French format."""
        statement = self.statement._get_statement_data(
            self.customer.ids, self.DATE_END, self.DATE_START, "outstanding", self.env.company
        )[self.customer.id]
        amounts = [
            (section["currency"], amount)
            for section in statement["sections"]
            for amount in (section["open_total"], section["amount_due"], *section["buckets"],
                           *(line["open"] for line in section["lines"]))
        ]
        self.assertIn(1050.0, [amount for _currency, amount in amounts])
        texts = {lang: self._html("outstanding", lang) for lang in ("en_US", "fr_FR")}
        labels = ("Statement of Open Items", "Due date", "Original", "Disputed", "Current", "Over 120", "Total open",
                  "Amount due", "Payment instructions", "Invoice", "Credit Note")
        for english in labels:
            self.assertIn(english, texts["en_US"])
            self.assertIn(FRENCH[english], texts["fr_FR"])
        for lang, text in texts.items():
            env = self.env(context=dict(self.env.context, lang=lang))
            for currency, amount in amounts:
                self.assertIn(_text(format_amount(env, amount, currency)), text, (lang, amount))
        french = texts["fr_FR"]
        for words in ("Client : Statement Customer", "Référence client : CUST-001", "Date du relevé : 31/03/2025",
                      "Veuillez effectuer votre paiement sur notre compte bancaire BE71 0961 2345 6769",
                      "en indiquant votre référence client CUST-001."):
            self.assertIn(words, french)
        for english in ("Statement of Open Items", "Amount due", "Over 120", "Payment instructions", "Due date",
                        "Please pay", "Customer reference"):
            self.assertNotIn(english, french)
        activity = self._html("activity", "fr_FR")
        self.assertIn("Relevé des mouvements", activity)
        self.assertIn("Solde reporté", activity)
        self.assertIn("Solde de clôture", activity)
        self.assertNotIn("Balance brought forward", activity)

    def test_statement_mail_in_french(self):
        self.customer.lang = self.contact.lang = "fr_FR"
        _attachments, message = self.statement._send_statement(
            self.customer, self.contact, self._data("outstanding"), "xlsx"
        )
        self.assertEqual(message.subject, "%s : relevé de compte au 31/03/2025" % self.env.company.name)
        body = _text(message.body)
        self.assertIn("Bonjour Statement Customer,", body)
        self.assertIn("Veuillez trouver ci-joint votre relevé de compte au 31/03/2025.", body)
        self.assertIn("Merci d'indiquer la référence CUST-001 lors de votre paiement.", body)
        self.assertNotIn("Please find attached", body)

    def test_title_in_each_language(self):
        titles = {
            "de_DE": ("Auszug der offenen Posten", "Auszug der Kontobewegungen", "Kontoauszug zum 31.03.2025"),
            "es_ES": ("Extracto de partidas abiertas", "Extracto de movimientos", "extracto de cuenta a fecha de"),
            "nl_NL": ("Overzicht openstaande posten", "Overzicht van rekeningmutaties", "rekeningoverzicht per"),
        }
        for lang, (outstanding, activity, subject) in titles.items():
            with self.subTest(lang=lang):
                self.assertEqual(self._xlsx("outstanding", lang)[1], [outstanding])
                self.assertEqual(self._xlsx("activity", lang)[1], [activity])
                self.assertIn(outstanding, self._html("outstanding", lang))
                self.assertNotIn("Statement of Open Items", self._html("outstanding", lang))
                self.contact.lang = lang
                _attachments, message = self.statement._send_statement(
                    self.customer, self.contact, self._data("outstanding"), "xlsx"
                )
                self.assertIn(subject, message.subject)


@tagged("post_install", "-at_install")
class TestDisputeMailI18n(DisputeCase):
    def test_rejection_mail_in_customer_language(self):
        _load_languages(self.env, ("fr_FR",))
        self.partner_a.lang = "fr_FR"
        invoice = self._invoice([(1, 500.0, self.tax15)])
        dispute = self._dispute(invoice, 100.0)
        dispute.action_open()
        dispute.rejection_reason = "Le prix est celui de notre devis signé."
        dispute.action_reject()
        mail = dispute.message_ids.filtered(lambda m: "devis signé" in (m.body or ""))
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.subject, "Votre réclamation concernant %s (%s)" % (invoice.name, dispute.name))
        body = _text(mail.body)
        self.assertIn("Nous avons examiné votre réclamation %s concernant la facture %s" % (dispute.name, invoice.name),
                      body)
        self.assertIn(_text(format_amount(self.env(context={"lang": "fr_FR"}), 100.0, dispute.currency_id)), body)
        self.assertIn("La facture reste due.", body)
        self.assertNotIn("We have reviewed", body)
