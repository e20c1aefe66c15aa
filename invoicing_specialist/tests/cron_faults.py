"""A scheduled action's commits, and the kill of its worker, inside a test's transaction.

The crons of this addon commit after each batch through ``ir.cron._commit_progress``. A test cannot commit,
so each of those commits becomes a savepoint, after the work a real commit does (flush and pre-commit
hooks); a kill (as kill -9) just before the n-th commit rolls back to the last one: what the worker did since
is lost, what it committed stays.
"""

from contextlib import contextmanager
from unittest.mock import patch

from odoo.tools import SQL

SAVEPOINT = "ispec_cron_commit"


class Killed(BaseException):  # noqa: N818 - a kill, not an error: `except Exception` in the job does not catch it
    """A kill -9 of the worker, between two of the scheduled action's commits."""


class CronRun:
    """What a simulated run did: the count reported at each commit, and whether the worker was killed."""

    def __init__(self):
        self.commits = []
        self.killed = False


@contextmanager
def cron_commits(env, kill_at=None):
    """Run the body as the scheduled action would, each progress commit a savepoint; with ``kill_at`` the
    worker dies just before that commit. Yields a ``CronRun``."""
    run = CronRun()
    cr = env.cr

    def commit_progress(cron, processed=0, **kw):
        run.commits.append(processed)
        if len(run.commits) == kill_at:
            raise Killed()
        env.flush_all()
        cr.precommit.run()
        cr.execute(SQL("SAVEPOINT %s", SQL.identifier(SAVEPOINT)))
        return 60.0

    cr.execute(SQL("SAVEPOINT %s", SQL.identifier(SAVEPOINT)))
    with patch.object(env.registry["ir.cron"], "_commit_progress", commit_progress):
        try:
            yield run
            env.flush_all()
            cr.precommit.run()
        except Killed:
            # The process is gone: its open transaction is lost, the committed batches stay.
            run.killed = True
            cr.execute(SQL("ROLLBACK TO SAVEPOINT %s", SQL.identifier(SAVEPOINT)))
            cr.precommit.clear()
            cr.postcommit.clear()
            env.invalidate_all(flush=False)
            env.transaction.clear()
