"""test_statement_run_faults: tests added by the hardening issues (#9, #10)."""
