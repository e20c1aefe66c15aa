from . import account_move
from . import account_move_line
from . import res_company
from . import res_partner
from . import res_config_settings
from . import statement
from . import statement_run
from . import dispute
