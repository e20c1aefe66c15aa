from . import test_sale_match
