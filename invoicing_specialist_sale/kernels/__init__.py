from . import sale_match
