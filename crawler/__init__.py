"""Rasd: a scheduled crawler for Arabic news sites."""

__version__ = "0.1.0"
