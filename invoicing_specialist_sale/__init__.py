from . import kernels, models, wizards
