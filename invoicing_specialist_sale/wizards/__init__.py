from . import ispec_settings
