from datetime import date, timedelta

from odoo.tests import BaseCase

from odoo.addons.invoicing_specialist.tools import statement as kernel


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
