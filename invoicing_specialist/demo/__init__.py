from . import demo_history
from . import demo_match
