"""Steady load the outage tests keep up through an outage: client loops in threads, and the
upload loop they share (one version after another, every answer noted)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Self

import httpx

from tests.fixtures.stack import bearer
from tests.helpers import mod_zip


class Loops:
    """Threads that run their loops from the `with` block's start until its end."""

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def loop(self, target: Callable[..., None], *args: Any) -> None:
        self.threads.append(threading.Thread(target=target, args=args, daemon=True))

    def __enter__(self) -> Self:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)


def upload_until(
    stopping: threading.Event,
    base: str,
    package: str,
    version_prefix: str,
    note: Callable[[str, int | str], None],
    pause: float,
) -> None:
    """Uploads `{version_prefix}.1`, `.2`, … of `package` as `p1` until `stopping` is set; each
    answer's status (or the name of the error that stood for one) goes to `note(version, …)`."""
    headers = bearer("p1")
    with httpx.Client(base_url=base, timeout=30) as client:
        number = 0
        while not stopping.is_set():
            number += 1
            version = f"{version_prefix}.{number}"
            try:
                response = client.post(
                    f"/api/v1/packages/{package}/versions",
                    headers=headers,
                    data={"version": version},
                    files={"file": ("s.zip", mod_zip(package, version))},
                )
            except httpx.HTTPError as exc:
                note(version, type(exc).__name__)
                continue
            note(version, response.status_code)
            time.sleep(pause)
