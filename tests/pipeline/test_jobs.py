"""Job semantics shared by both runners: our Retry under arq, tries, backoff, and storage
errors that must be retried rather than turned into a verdict."""

from __future__ import annotations

from typing import Any

import pytest
from arq import Retry as ArqRetry

from domain.jobs import MAX_TRIES, SCAN_VERSION, Retry, declared_jobs
from domain.models import PackageVersion
from registry.config import load_settings
from registry.worker import for_arq, worker_options
from storage.errors import BackendUnavailable, ObjectNotFound
from tests.fixtures.stack import Stack
from tests.helpers import upload_version
from tests.pipeline.support import OWNER, benign_mod, make_owner_package
from tests.scanning.helpers import MOD
from workers import scan as scan_jobs
from workers.functions import JOBS


async def test_for_arq_turns_our_retry_into_arqs() -> None:
    async def flaky(ctx: dict[str, Any], value: int) -> int:
        if value < 0:
            raise Retry(defer_seconds=7.5)
        if value == 0:
            raise ValueError("a bug, not an outage")
        return value * 2

    wrapped = for_arq(flaky)
    assert await wrapped({}, 21) == 42
    with pytest.raises(ArqRetry) as raised:
        await wrapped({}, -1)
    assert raised.value.defer_score == 7500
    with pytest.raises(ValueError):
        await wrapped({}, 0)


def test_every_declared_job_runs_under_arq_with_its_tries() -> None:
    assert set(JOBS) == set(declared_jobs().values())  # implemented, each exactly once
    by_name = {function.__name__: (job, function) for job, function in JOBS.items()}
    assert len(by_name) == len(JOBS)  # arq's names (the functions') do not collide
    options = worker_options(load_settings({"REDIS_URL": "redis://127.0.0.1:6379/0"}))
    assert {f.name for f in options["functions"]} == set(by_name)
    for registered in options["functions"]:
        job, function = by_name[registered.name]
        assert registered.coroutine.__wrapped__ is function
        assert registered.max_tries == job.max_tries
    queue = load_settings({}).queue_name
    assert all(
        c.coroutine.__wrapped__ is by_name[c.name.removeprefix(f"{queue}:cron:")][1]
        for c in options["cron_jobs"]
    )
    # Job ids only block while queued or running, as in the in-process runner.
    assert options["keep_result"] == 0 and options["retry_jobs"] is True


def test_scan_retry_backoff_grows_and_is_capped() -> None:
    delays = [scan_jobs.retry_delay(n) for n in range(1, 10)]
    assert delays[:4] == [5, 10, 20, 40]
    assert delays == sorted(delays) and max(delays) == scan_jobs.RETRY_MAX_SECONDS


class FlakyReader:
    """The store's reader, failing like an S3 outage on the chosen read calls."""

    def __init__(self, inner: Any, fail: Any) -> None:
        self._inner, self._fail = inner, fail

    @property
    def size(self) -> int:
        return self._inner.size

    def read_at(self, offset: int, length: int) -> bytes:
        if self._fail():
            raise BackendUnavailable("S3 endpoint http://s3.invalid unreachable: reset")
        return self._inner.read_at(offset, length)

    def close(self) -> None:
        self._inner.close()

    def __enter__(self) -> FlakyReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


async def test_storage_error_mid_scan_is_retried_not_judged(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_owner_package(stack.client)
    store = stack.ctx.storage.primary
    original = store.reader
    reads = {"count": 0}
    opened: list[str] = []

    def second_read_of_first_attempt_fails() -> bool:
        reads["count"] += 1
        return reads["count"] == 2

    def reader(key: str) -> FlakyReader:
        opened.append(key)
        return FlakyReader(original(key), second_read_of_first_attempt_fails)

    monkeypatch.setattr(store, "reader", reader)
    monkeypatch.setattr(scan_jobs, "retry_delay", lambda job_try: 0.01)
    response = await upload_version(stack.client, OWNER, MOD, "1.2.3", benign_mod())
    assert response.status_code == 201
    await stack.drain_jobs()
    row = await PackageVersion.get(version="1.2.3")
    assert len(opened) == 2, "one failed attempt, one retry"
    assert row.status == "published"
    assert row.scan_report["verdict"] == "pass"


async def test_scan_stays_pending_when_storage_stays_down(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    await make_owner_package(stack.client)
    attempts: list[str] = []

    def missing(key: str) -> Any:
        attempts.append(key)
        raise ObjectNotFound(key, "primary")

    monkeypatch.setattr(stack.ctx.storage.primary, "reader", missing)
    monkeypatch.setattr(scan_jobs, "retry_delay", lambda job_try: 0.01)
    response = await upload_version(stack.client, OWNER, MOD, "1.2.3", benign_mod())
    assert response.status_code == 201
    await stack.drain_jobs()
    row = await PackageVersion.get(version="1.2.3")
    assert len(attempts) == SCAN_VERSION.max_tries == MAX_TRIES
    # No verdict from an outage: still pending (invisible), for the pending-work sweep later.
    assert row.status == "pending" and row.scan_report is None
