"""test_access: tests added by the hardening issues (#9, #10)."""
