"""`tb-registry worker` whose scans take SLOW_SCAN_SECONDS longer, for the SIGTERM tests (run
as a subprocess: `python -m tests.outage.slow_scan_worker`).

Each scan touches SLOW_SCAN_MARKER when it starts, so the test knows a job is running before it
sends SIGTERM; then it sleeps and runs the real scan.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from domain.services import scans
from registry.cli import main as cli_main

real_scan = scans._scan_blocking


def slow_scan(*args: Any, **kwargs: Any) -> Any:
    Path(os.environ["SLOW_SCAN_MARKER"]).write_text(str(os.getpid()))
    time.sleep(float(os.environ["SLOW_SCAN_SECONDS"]))
    return real_scan(*args, **kwargs)


if __name__ == "__main__":
    scans._scan_blocking = slow_scan  # type: ignore[assignment]
    sys.exit(cli_main(["worker"]))
