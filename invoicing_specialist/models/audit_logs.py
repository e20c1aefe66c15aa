"""The audit logs: receivable aging, match exceptions and overrides, disputes, changes (being written)."""
