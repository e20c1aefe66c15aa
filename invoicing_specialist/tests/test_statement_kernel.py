import io
import itertools
import random
from datetime import date, timedelta
from types import SimpleNamespace

import xlsxwriter

from odoo.tests import BaseCase
from odoo.tools import float_round

from odoo.addons.invoicing_specialist.kernels import statement as kernel
from odoo.addons.invoicing_specialist.models.statement import rounder


class TestStatementKernel(BaseCase):
    """Aging buckets and running balances, without a database."""

    AS_OF = date(2026, 3, 31)

    def test_day_buckets_every_boundary(self):
        expected = []
        for overdue in range(-40, 400):
            if overdue <= 0:
                idx = 0
            elif overdue <= 30:
                idx = 1
            elif overdue <= 60:
                idx = 2
            elif overdue <= 90:
                idx = 3
            elif overdue <= 120:
                idx = 4
            else:
                idx = 5
            expected.append(idx)
        got = [
            kernel.bucket_index(self.AS_OF - timedelta(days=overdue), self.AS_OF)
            for overdue in range(-40, 400)
        ]
        self.assertEqual(got, expected)
        # The named edges a person checks.
        for overdue, idx in ((0, 0), (1, 1), (30, 1), (31, 2), (60, 2), (61, 3), (90, 3),
                             (91, 4), (120, 4), (121, 5)):
            self.assertEqual(kernel.bucket_index(self.AS_OF - timedelta(days=overdue), self.AS_OF), idx,
                             f"{overdue} days overdue")

    def test_month_buckets(self):
        as_of = date(2026, 3, 15)
        cases = {
            date(2026, 4, 30): 0,   # not yet due
            date(2026, 3, 15): 0,   # due today: current
            date(2026, 3, 14): 1,   # overdue, fell due this month
            date(2026, 3, 1): 1,
            date(2026, 2, 28): 2,
            date(2026, 2, 1): 2,
            date(2026, 1, 31): 3,
            date(2025, 12, 1): 4,
            date(2025, 11, 30): 5,
            date(2020, 1, 1): 5,
        }
        for due, idx in cases.items():
            self.assertEqual(kernel.bucket_index(due, as_of, kernel.AGING_MONTHS), idx, due)
        self.assertEqual(
            kernel.month_bucket_starts(date(2026, 2, 10)),
            [date(2026, 2, 1), date(2026, 1, 1), date(2025, 12, 1), date(2025, 11, 1), date(2025, 10, 1)],
        )
        # Every day of two years lands in the bucket of its month distance.
        day = date(2024, 1, 1)
        while day < date(2026, 3, 15):
            months = (2026 - day.year) * 12 + 3 - day.month
            self.assertEqual(kernel.bucket_index(day, as_of, kernel.AGING_MONTHS), min(months, 4) + 1)
            day += timedelta(days=1)

    def test_unknown_mode(self):
        with self.assertRaises(ValueError):
            kernel.bucket_index(date(2026, 1, 1), self.AS_OF, "weeks")

    def test_age_sums_and_credits(self):
        items = [
            (date(2026, 4, 10), 100.0),   # current
            (date(2026, 3, 30), 50.0),    # 1 day
            (date(2026, 3, 1), 25.0),     # 30 days
            (date(2026, 2, 28), 10.0),    # 31 days
            (date(2025, 12, 1), -40.0),   # credit, 120 days
            (date(2025, 1, 1), 7.5),      # older
        ]
        totals = kernel.age(items, self.AS_OF)
        self.assertEqual(totals, [100.0, 75.0, 10.0, 0.0, -40.0, 7.5])
        self.assertAlmostEqual(sum(totals), sum(a for _d, a in items))
        self.assertEqual(kernel.age([], self.AS_OF), [0.0] * 6)
        rounded = kernel.age([(date(2026, 1, 1), 0.1 + 0.2)], self.AS_OF, rounding=lambda x: round(x, 2))
        self.assertEqual(rounded[3], 0.3)

    def test_running_balance(self):
        self.assertEqual(kernel.running_balance(100.0, [50.0, -30.0, -120.0]), [150.0, 120.0, 0.0])
        self.assertEqual(kernel.running_balance(0.0, []), [])
        rounded = kernel.running_balance(0.1, [0.2, 0.3], rounding=lambda x: round(x, 2))
        self.assertEqual(rounded, [0.3, 0.6])

    def test_amount_due_and_disputes(self):
        self.assertEqual(kernel.amount_due(500.0, 0.0), 500.0)
        self.assertEqual(kernel.amount_due(500.0, 120.0), 380.0)
        self.assertEqual(kernel.amount_due(500.0, 900.0), 0.0)
        self.assertEqual(kernel.amount_due(-80.0, 50.0), -80.0)
        self.assertEqual(kernel.amount_due(100.0, -5.0), 100.0)
        self.assertEqual(kernel.allocate_disputed(150.0, [100.0, -20.0, 80.0]), [100.0, 0.0, 50.0])
        self.assertEqual(kernel.allocate_disputed(0.0, [100.0]), [0.0])
        self.assertEqual(kernel.allocate_disputed(30.0, []), [])


class TestSheetNames(BaseCase):
    """Excel worksheet names for customers (issue 9, item 7), without a database."""

    def assertExcelValid(self, names):
        """Each name is one Excel accepts, and no two are equal ignoring case."""
        for name in names:
            self.assertTrue(name, names)
            self.assertLessEqual(len(name.encode("utf-16-le")) // 2, 31, name)
            self.assertFalse(set(name) & set("[]:*?/\\"), name)
            self.assertFalse(name.startswith("'") or name.endswith("'"), name)
            self.assertTrue(name.isprintable(), repr(name))
            self.assertNotEqual(name.casefold(), "history")
        self.assertEqual(len({name.casefold() for name in names}), len(names), names)

    def test_named_cases(self):
        cases = [
            (["Acme Trading", "ACME TRADING"], ["Acme Trading", "ACME TRADING (2)"]),
            (["Smith/Jones", "Smith:Jones"], ["Smith Jones", "Smith Jones (2)"]),
            (["'t Hoekje B.V."], ["t Hoekje B.V."]),
            (["Kwik-E-Mart'"], ["Kwik-E-Mart"]),
            (["O'Brien & Sons"], ["O'Brien & Sons"]),
            (["History"], ["History (2)"]),
            (["", None, "[]:*?/\\", "'''"], ["Sheet", "Sheet (2)", "Sheet (3)", "Sheet (4)"]),
            (["A" * 40, "a" * 31], ["A" * 31, "a" * 27 + " (2)"]),
            (["Acme", "acme", "ACME", "Acme (2)"], ["Acme", "acme (2)", "ACME (3)", "Acme (2) (2)"]),
            (["Straße", "STRASSE"], ["Straße", "STRASSE (2)"]),
            (["Tab\there  and\nnewline"], ["Tab here and newline"]),
            (["x" * 30 + "'abc"], ["x" * 30]),
        ]
        for names, expected in cases:
            got = kernel.sheet_names(names)
            self.assertEqual(got, expected, names)
            self.assertExcelValid(got)
        self.assertEqual(kernel.sheet_names([None, ""], fallback="Statement"), ["Statement", "Statement (2)"])

    def test_valid_names_kept(self):
        """A name Excel accepts as it is stays as it is."""
        names = ["CUST-001", "Second Customer", "O'Brien", "Ünïcödé GmbH", "x" * 31, "(1)", "A.B.C. & Co, Ltd."]
        self.assertEqual(kernel.sheet_names(names), names)

    def test_every_short_name(self):
        """Every name of up to three characters over letters in both cases, the apostrophe, a space, a
        tab and each forbidden character, all in one workbook: each valid, all distinct ignoring case,
        and xlsxwriter (which applies Excel's rules) accepts them all."""
        alphabet = ["a", "A", "ß", "'", " ", "\t", *"[]:*?/\\"]
        names = [""] + ["".join(chars) for size in (1, 2, 3) for chars in itertools.product(alphabet, repeat=size)]
        got = kernel.sheet_names(names)
        self.assertEqual(len(got), len(names))
        self.assertExcelValid(got)
        self.assertEqual(got, kernel.sheet_names(names), "the same names give the same sheet names")
        book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
        for name in got:
            book.add_worksheet(name)
        self.assertEqual([sheet.name for sheet in book.worksheets()], got)
        book.close()

    def test_lengths_and_wide_characters(self):
        """Around the 31 limit, with apostrophes where the name is cut, and characters that take two
        UTF-16 units in Excel's count (emoji), many times over so the counters run into two digits."""
        names = []
        for size in range(25, 40):
            for filler in ("x", "X", "'", "\U0001F600", "é"):
                names.extend(["y" * (size - 3) + filler * 3] * 12)
        got = kernel.sheet_names(names)
        self.assertExcelValid(got)
        self.assertIn("y" * 27 + " (2)", got)
        self.assertIn("y" * 26 + " (10)", got)


class TestRounder(BaseCase):
    """The statements' fast rounding gives float_round's result, ties (half-up) and signs included."""

    def test_rounder_is_float_round(self):
        rng = random.Random(7)
        values = [rng.uniform(-1e7, 1e7) for _ in range(5000)]
        values += [rng.randint(-10**6, 10**6) / 1000 for _ in range(5000)]
        values += [cents / 1000 + 0.0005 for cents in range(-3000, 3000)]  # every third-decimal tie
        values += [2.675, 1.005, -2.675, 0.125, -0.125, 0.0, -0.0, 1e-9, 1e12 + 0.005]
        for rounding in (0.01, 0.001, 0.05, 1.0):
            rounded = rounder(SimpleNamespace(rounding=rounding))
            mismatches = [value for value in values
                          if rounded(value) != float_round(value, precision_rounding=rounding)]
            self.assertEqual(mismatches, [], rounding)
