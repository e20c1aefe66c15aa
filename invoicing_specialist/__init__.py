from . import models
from . import report
from . import wizards
from . import demo
from .hooks import uninstall_hook
