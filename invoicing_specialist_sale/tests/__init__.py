from . import test_sale_backlog, test_sale_match
