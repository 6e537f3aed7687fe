"""The ``rasd`` command line: argument parsing, one function per command, and what a
command needs to run a crawl in this process (runner, site check, progress lines)."""
