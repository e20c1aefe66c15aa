from odoo.tests import BaseCase

from odoo.addons.invoicing_specialist.kernels import match as kernel

Limit = kernel.Limit
EXACT = kernel.Tolerances()
UNCHECKED = kernel.Tolerances(qty=None, price_above=None, price_below=None, total=None)


def line(three_way=True, ordered=10.0, received=10.0, billed=10.0, po_price=100.0, bill_price=100.0,
         tolerances=EXACT):
    return kernel.evaluate_line(three_way=three_way, ordered=ordered, received=received, billed=billed,
                                po_price=po_price, bill_price=bill_price, tolerances=tolerances)


class TestMatchKernel(BaseCase):
    """Quantity, price and total rules of bill matching, without a database."""

    def test_issue_examples_three_way(self):
        # Order 10, receive 5, bill 10 on received quantities.
        result = line(received=5.0, billed=10.0)
        self.assertEqual((result.state, result.reasons), ("exception", ["over_received"]))
        self.assertEqual(result.variances["qty"], 5.0)
        # Bill 5 before any receipt: waiting; then receive 5: matched; receive 3 instead: exception.
        self.assertEqual(line(received=0.0, billed=5.0).state, "waiting")
        self.assertEqual(line(received=5.0, billed=5.0).state, "matched")
        self.assertEqual(line(received=3.0, billed=5.0).reasons, ["over_received"])

    def test_waiting_never_hides_over_ordering(self):
        result = line(received=0.0, billed=12.0)
        self.assertEqual((result.state, result.reasons), ("exception", ["over_ordered", "over_received"]))

    def test_two_way_against_ordered(self):
        self.assertEqual(line(three_way=False, received=0.0, billed=10.0).state, "matched")
        self.assertEqual(line(three_way=False, received=0.0, billed=11.0).reasons, ["over_ordered"])
        # Two bills that together over-bill: the caller passes the cumulative billed quantity.
        self.assertEqual(line(three_way=False, billed=6.0 + 6.0).reasons, ["over_ordered"])
        # A refund of 2 brings it back within the order.
        self.assertEqual(line(three_way=False, billed=6.0 + 6.0 - 2.0).state, "matched")

    def test_return_after_billing(self):
        # Received 10, billed 10, then 4 returned: received is net of the return.
        self.assertEqual(line(received=10.0 - 4.0, billed=10.0).reasons, ["over_received"])

    def test_quantity_tolerances_percent_and_absolute(self):
        pct = kernel.Tolerances(qty=Limit(pct=10.0))
        self.assertEqual(line(ordered=20.0, received=10.0, billed=11.0, tolerances=pct).state, "within_tolerance")
        self.assertEqual(line(ordered=20.0, received=10.0, billed=11.01, tolerances=pct).reasons, ["over_received"])
        absolute = kernel.Tolerances(qty=Limit(absolute=2.0))
        self.assertEqual(line(ordered=20.0, received=10.0, billed=12.0, tolerances=absolute).state, "within_tolerance")
        self.assertEqual(line(ordered=20.0, received=10.0, billed=12.5, tolerances=absolute).reasons, ["over_received"])
        # Both set: within either passes, so the larger one counts (50 % of 10 received = 5 units).
        both = kernel.Tolerances(qty=Limit(pct=50.0, absolute=1.0))
        self.assertEqual(line(ordered=20.0, received=10.0, billed=15.0, tolerances=both).state, "within_tolerance")
        self.assertEqual(line(ordered=20.0, received=10.0, billed=15.5, tolerances=both).reasons, ["over_received"])
        small_base = kernel.Tolerances(qty=Limit(pct=10.0, absolute=1.0))  # 10 % of 2 is 0.2: the 1 unit counts
        self.assertEqual(line(ordered=20.0, received=2.0, billed=3.0, tolerances=small_base).state, "within_tolerance")
        # No limit: not checked at all.
        self.assertEqual(line(ordered=20.0, received=10.0, billed=30.0, tolerances=UNCHECKED).state, "within_tolerance")

    def test_two_percent_added_to_an_exact_limit_gives_two_percent(self):
        # Every company starts exact (0 % and 0); a manager who sets 2 % gets 2 %, not 'exact' still.
        two_pct = kernel.Tolerances(price_above=Limit(pct=2.0, absolute=0.0))
        self.assertEqual(line(bill_price=101.0, tolerances=two_pct).state, "within_tolerance")
        self.assertEqual(line(bill_price=102.0, tolerances=two_pct).state, "within_tolerance")
        self.assertEqual(line(bill_price=102.01, tolerances=two_pct).reasons, ["price_above"])
        self.assertEqual(line(bill_price=99.0, tolerances=two_pct).reasons, ["price_below"], "below stays exact")

    def test_price_tolerances_each_direction(self):
        tol = kernel.Tolerances(price_above=Limit(pct=5.0), price_below=Limit(absolute=1.0))
        self.assertEqual(line(bill_price=105.0, tolerances=tol).state, "within_tolerance")
        self.assertEqual(line(bill_price=105.01, tolerances=tol).reasons, ["price_above"])
        self.assertEqual(line(bill_price=99.0, tolerances=tol).state, "within_tolerance")
        self.assertEqual(line(bill_price=98.99, tolerances=tol).reasons, ["price_below"])
        # Zero means exact: a cent off is an exception, less than half a cent is rounding.
        self.assertEqual(line(bill_price=100.01).reasons, ["price_above"])
        self.assertEqual(line(bill_price=100.004).state, "matched")

    def test_every_quantity_between_zero_and_twice_the_order(self):
        tol = kernel.Tolerances(qty=Limit(pct=10.0))
        for received in range(0, 11):
            for billed in range(0, 21):
                result = line(received=float(received), billed=float(billed), tolerances=tol)
                if billed > 11:
                    self.assertIn("over_ordered", result.reasons, (received, billed))
                if received == 0 and 0 < billed <= 11:
                    self.assertEqual(result.state, "waiting", (received, billed))
                if received and billed <= received:
                    self.assertEqual(result.state, "matched", (received, billed))
                if received and billed > received * 1.1 + 1e-9:
                    self.assertIn("over_received", result.reasons, (received, billed))

    def test_several_reasons_at_once(self):
        result = line(received=5.0, billed=8.0, bill_price=120.0)
        self.assertEqual(result.reasons, ["over_received", "price_above"])
        self.assertEqual(result.variances, {"qty": 3.0, "price": 20.0})

    def test_total_and_references(self):
        self.assertEqual(kernel.evaluate_total(1000.50, 1000.0, Limit(absolute=1.0)), [])
        self.assertEqual(kernel.evaluate_total(1001.01, 1000.0, Limit(absolute=1.0)), ["amount"])
        self.assertEqual(kernel.evaluate_total(1009.99, 1000.0, Limit(pct=1.0, absolute=1.0)), [], "1 % of 1,000")
        self.assertEqual(kernel.evaluate_total(1010.01, 1000.0, Limit(pct=1.0, absolute=1.0)), ["amount"])
        self.assertEqual(kernel.evaluate_total(5000.0, 1000.0, None), [])
        self.assertEqual(kernel.normalize_reference(" INV-2026/0042 "), "inv20260042")
        self.assertEqual(kernel.normalize_reference("inv 2026.0042"), kernel.normalize_reference("INV2026-0042"))
        self.assertEqual(kernel.normalize_reference(False), "")

    def test_most_pressing_state_and_reason_codes(self):
        self.assertEqual(kernel.most_pressing({"matched", "within_tolerance", "not_checked"}), "matched")
        self.assertEqual(kernel.most_pressing({"within_tolerance", "overridden"}), "overridden")
        self.assertEqual(kernel.most_pressing({"overridden", "waiting"}), "waiting")
        self.assertEqual(kernel.most_pressing({"waiting", "exception", False}), "exception")
        self.assertIsNone(kernel.most_pressing({"not_checked", False}))
        self.assertEqual(kernel.split_reasons("over_received,price_above"), ["over_received", "price_above"])
        self.assertEqual(kernel.split_reasons(False), [])
