"""The journal-entry testing extract in the AICPA Audit Data Standard layout (being written)."""
