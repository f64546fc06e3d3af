"""Progress lines: Veille's modules log through `logging`; the command line shows their
INFO lines on stderr with the time elapsed, once, and leaves other libraries' INFO out."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import REPO

SCRIPT = """
import logging
from veille.core.progress import every, show_progress
show_progress()
show_progress()  # a second call adds no second handler
logging.getLogger("warehouse.load").info("load: 3 new")
logging.getLogger("scrapy.core.engine").info("a library's chatter")
logging.getLogger("scrapy.core.engine").warning("a library's warning")
report = every(logging.getLogger("nlp.scoring"), "score: ", seconds=3600)
report(1, 3)  # too soon after the start: not shown
report(3, 3)  # the end always is
print("the answer")
"""


def test_progress_lines_go_to_stderr_once_each_with_the_time_elapsed():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "the answer\n"
    lines = result.stderr.splitlines()
    assert [re.sub(r"^\[ *\d+\.\ds\] ", "", line) for line in lines] == [
        "load: 3 new",
        "a library's warning",
        "score: 3/3",
    ], lines
    assert all(re.match(r"^\[ *\d+\.\ds\] ", line) for line in lines)
