"""Benchmarks: figures printed side by side with a baseline, never asserted in tests."""
