"""test_match_hardening: tests added by the hardening issues (#9, #10)."""
