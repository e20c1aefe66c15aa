"""Recurring audit exports (being written)."""
