"""Invoicing activity reports (being written)."""
