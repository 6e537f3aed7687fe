"""Rasd's spiders: one config-driven spider serves every site."""
