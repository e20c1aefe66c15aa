def uninstall_hook(env):
    """Give the books back as they were before the addon: release the payment blocks it set and
    put back the follow-up flags it took away from invoices in dispute. What a person set by hand
    (a block, a follow-up exclusion) stays as it is."""
    env["account.move"]._ispec_release_all_payment_holds()
    restore_followup_after_disputes(env)


def restore_followup_after_disputes(env):
    """Receivable lines the dispute workflow took out of follow-up get their own flag back."""
    lines = env["account.move.line"].search([("ispec_followup_by_dispute", "=", True)])
    return lines._ispec_restore_followup()
