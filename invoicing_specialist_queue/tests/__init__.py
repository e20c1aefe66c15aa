from . import test_statement_run_queue
from . import test_audit_export_queue
from . import test_recheck_queue
