from . import statement_run
