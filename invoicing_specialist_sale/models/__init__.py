from . import res_company, res_partner, sale_backlog, sale_match, sale_match_account_move, sale_match_order
