from . import account_payment_register
from . import statement_wizard
from . import match_override_wizard
from . import ispec_settings
