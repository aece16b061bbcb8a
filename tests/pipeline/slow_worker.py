"""A `tb-registry worker` whose scans hang, for the kill-mid-job test (run as a subprocess).

Settings come from the four variables the test passes (nothing else from the environment).
Each scan first touches the file named by SLOW_SCAN_MARKER and then blocks, so the test knows
the job is running (arq holds its in-progress lock) when it sends SIGKILL. `job_timeout` is
short only so that the lock of the killed worker expires in seconds rather than minutes
(arq keeps it for job_timeout + 10 s); the test kills the worker well within job_timeout.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from arq.worker import Worker

from domain.services import scans
from registry.config import load_settings
from registry.worker import worker_options

SETTINGS_VARIABLES = ("DATA_DIR", "CLOUDM_JWT_SECRET", "REDIS_URL", "ARQ_QUEUE_NAME")
LOCK_TIMEOUT_SECONDS = 4


def hanging_scan(*args: Any, **kwargs: Any) -> Any:
    Path(os.environ["SLOW_SCAN_MARKER"]).write_text(str(os.getpid()))
    time.sleep(3600)
    raise AssertionError("the test kills this worker long before")


def main() -> None:
    settings = load_settings(
        {name: os.environ[name] for name in SETTINGS_VARIABLES if name in os.environ}
    )
    scans._scan_blocking = hanging_scan  # type: ignore[assignment]
    options = {
        **worker_options(settings),
        "cron_jobs": [],
        "job_timeout": LOCK_TIMEOUT_SECONDS,
        "poll_delay": 0.05,
    }
    Worker(**options).run()


if __name__ == "__main__":
    main()
