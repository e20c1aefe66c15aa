"""test_payment_hold: tests added by the hardening issues (#9, #10)."""
