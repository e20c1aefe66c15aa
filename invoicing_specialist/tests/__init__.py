from . import test_foundation
from . import test_statement_kernel
from . import test_statement_data
from . import test_statement_output
from . import test_statement_run
from . import test_dispute
from . import test_match_kernel
from . import test_match_flow
