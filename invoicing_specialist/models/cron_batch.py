"""The one batch loop of this addon's scheduled jobs (bill recheck, overdue disputes, statement runs).

Each batch is committed through ``ir.cron._commit_progress`` with the count still to do, so a job that is
killed resumes with what was not committed yet, and a job whose time budget is spent stops after the batch
it is in: the next call of the scheduled action takes the rest.
"""


def commit_in_batches(env, next_batch, process, remaining, *, commit=True, after_commit=None):
    """Call ``process(batch)`` on each ``next_batch()`` until it returns an empty batch.

    ``remaining(batch)``: how much is left to do once ``batch`` is done (reported to the cron).
    ``commit``: False runs every batch in the caller's transaction (no commit, no time budget).
    ``after_commit()``: called after each commit (e.g. to set a new resume point).

    Returns ``(time_left, done)``: the cron's time left (infinite without ``commit``) and whether every
    batch was processed (False: the time budget ran out first).
    """
    time_left = float("inf")
    while batch := next_batch():
        process(batch)
        if commit:
            time_left = env["ir.cron"]._commit_progress(len(batch), remaining=remaining(batch))
            if after_commit:
                after_commit()
            if time_left <= 0:
                return time_left, False
    return time_left, True


def search_batches(model, domain, batch_size, order="id"):
    """``(next_batch, remaining)`` for ``commit_in_batches`` over the records of ``model`` matching
    ``domain``, which processing a batch takes out of the domain: each batch is the first ``batch_size``
    records still matching. A batch holding a record seen before ends the loop (the clock moved back,
    or the processing left it in the domain): the same records are never taken twice in one call."""
    seen = model.browse()

    def next_batch():
        nonlocal seen
        batch = model.search(domain, limit=batch_size, order=order)
        if batch & seen:
            return model.browse()
        seen |= batch
        return batch

    def remaining(_batch):
        return model.search_count(domain)

    return next_batch, remaining
