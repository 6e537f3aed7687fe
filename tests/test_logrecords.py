"""Log-record hooks (crawler.logrecords): one record factory for the process, shared by the
secret masking (crawler.logmask) and the quieting of network failures (crawler.cli.quietlog).

Each case runs in a fresh interpreter, since a record factory is process-wide state."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

SCRIPT = """
import json, logging, sys
from twisted.internet.error import ConnectionRefusedError
from crawler import logmask
from crawler.cli import quietlog

order = sys.argv[1].split(",")
for name in order + order:  # twice: installing again changes nothing
    {"mask": logmask, "quiet": quietlog}[name].install()
records = []
handler = logging.Handler()
handler.emit = records.append
log = logging.getLogger("scrapy.downloadermiddlewares.retry")
log.addHandler(handler)
log.error("Gave up retrying %(request)s: %(reason)s",
          {"request": "<GET https://user:s3cret@news.example/a>", "reason": ConnectionRefusedError()})
log.error("stored into %s", "mongodb://rasd:s3cret@db.example/rasd")
print(json.dumps([[r.levelname, r.getMessage()] for r in records]))
"""


@pytest.mark.parametrize("order", ["mask,quiet", "quiet,mask"])
def test_masking_and_quieting_share_one_factory_in_either_order(order: str) -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT, order], cwd=ROOT, capture_output=True, text=True,
                         check=True, timeout=60).stdout
    (quiet_level, quiet_text), (error_level, error_text) = json.loads(out)
    assert quiet_level == "INFO" and "Gave up retrying" in quiet_text  # a network failure: quieted
    assert error_level == "ERROR"  # anything else keeps its level
    assert "s3cret" not in quiet_text + error_text and "rasd:***@db.example" in error_text
