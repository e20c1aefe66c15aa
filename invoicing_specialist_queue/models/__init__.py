from . import audit_export
from . import match
from . import statement_run
