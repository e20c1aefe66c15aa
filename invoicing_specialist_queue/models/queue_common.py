"""What the jobs of this module share."""

from odoo.addons.queue_job.job import ENQUEUED, PENDING, STARTED, WAIT_DEPENDENCIES

# A job in one of these states is waiting or working: the same work is not queued again.
ACTIVE_JOB_STATES = (WAIT_DEPENDENCIES, PENDING, ENQUEUED, STARTED)
# A job that finds its rows locked by another job is tried again this many seconds later.
LOCK_RETRY_SECONDS = 5


def batch_size_param(env, key, default):
    """The batch size a system parameter sets (a positive integer), else ``default``."""
    # sudo: reading a technical setting of this module; ir.config_parameter is for administrators only.
    value = env["ir.config_parameter"].sudo().get_param(key)
    try:
        size = int(value) if value else default
    except ValueError:
        return default
    return size if size > 0 else default
