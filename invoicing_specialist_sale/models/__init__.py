from . import res_company, res_partner, sale_match, sale_match_account_move, sale_backlog
