"""Rasd's benchmarks: figures printed side by side with a baseline, never asserted in tests.

``python -m bench`` (full) or ``python -m bench --quick`` (CI). One module per job: site (the
local news site and its server), crawl (the end-to-end crawl in a child process), stagetiming
(CPU per pipeline stage, benchmark only), scrapybench (the reference), parsetime (parse cost
per page), profile (py-spy summary), machine (what it ran on), report (RESULTS.md and the
final line). ``python -m bench.extraction`` scores body extraction on the Zyte benchmark.
"""
