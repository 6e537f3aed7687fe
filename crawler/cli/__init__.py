"""The ``rasd`` command line: the parser and dispatch (main.py), one module per command
imported only when that command runs, and what a command needs to run a crawl in this
process (runner, site check, progress lines, quiet network failures)."""
