from . import test_sale_backlog, test_sale_match, test_sale_match_kernel, test_sale_odoo_groups, test_sale_tours
