from . import account_payment_register
from . import statement_wizard
