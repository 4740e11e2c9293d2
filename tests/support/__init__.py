"""Shared test helpers (servers and fixtures used by several test modules)."""
