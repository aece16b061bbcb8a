"""Download statistics (issue #18 part 3) on both stacks: the counter's flush writes daily rows
beside the totals; REST and GraphQL give the same periods (DAY, WEEK, MONTH, zeros filled);
a private package's stats are 404 / not_found like its detail; bad input is a 400 `{"detail"}`
or a GraphQL `invalid`; the retention job deletes old days and is idempotent."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import pytest

from domain import download_counts
from domain.models import (
    Artifact,
    ArtifactBuild,
    ArtifactVersion,
    BuildDownloadDay,
    Package,
    PackageVersion,
    VersionDownloadDay,
)
from domain.services import download_stats
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import add_package, add_version, post
from tests.helpers import make_publisher
from workers.download_stats import prune_download_stats

STATS = "/api/v1/packages/{name}/stats/downloads"
QUERY = """query($p: String!, $f: Date, $t: Date, $g: StatsGranularity!) {
  downloadStats(package: $p, from: $f, to: $t, granularity: $g) {
    package from to granularity total periods { start downloads } versions { version downloads }
  }
}"""
# Mon 2026-03-02 .. Tue 2026-04-14: two months, parts of seven weeks.
FIRST = date(2026, 3, 2)
LAST = date(2026, 4, 14)


def _day_number(day: date) -> int:
    return (day - date(1970, 1, 1)).days


async def _count_on(
    stack: Stack, monkeypatch: pytest.MonkeyPatch, plan: list[tuple[Any, date, int]]
) -> None:
    """Count downloads through the process's counter as if on the given days, then flush."""
    counter = stack.ctx.downloads
    for version, day, n in plan:
        monkeypatch.setattr(download_counts, "day_number", lambda d=day: _day_number(d))
        for _ in range(n):
            counter.count_version(version.package_id, version.id)
    monkeypatch.undo()
    await counter.flush()


async def _seed(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> tuple[Package, dict[date, int]]:
    team = await make_publisher("owner", "team")
    package = await add_package(team, "Counted")
    old = await add_version(package, "1.0.0")
    new = await add_version(package, "2.0.0")
    plan = [
        (old, FIRST, 3),  # Monday: first day, first week
        (new, FIRST, 2),
        (old, date(2026, 3, 8), 4),  # Sunday of the first week
        (new, date(2026, 3, 31), 5),  # last day of March
        (old, date(2026, 4, 1), 7),
        (new, LAST, 1),
        (old, LAST + timedelta(days=1), 100),  # after the range
    ]
    await _count_on(stack, monkeypatch, plan)
    daily: dict[date, int] = {}
    for _, day, n in plan:
        daily[day] = daily.get(day, 0) + n
    return package, daily


async def _rest(stack: Stack, name: str, **params: str) -> Any:
    response = await stack.client.get(STATS.format(name=name), params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def _graphql(stack: Stack, name: str, granularity: str, user: str | None = None) -> Any:
    variables = {"p": name, "f": FIRST.isoformat(), "t": LAST.isoformat(), "g": granularity}
    response = await post(stack.client, QUERY, variables, user=user)
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["downloadStats"]


async def test_flush_writes_daily_rows_and_totals(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    package, daily = await _seed(stack, monkeypatch)
    rows = await VersionDownloadDay.filter(package_id=package.id).values_list("day", "downloads")
    per_day: dict[date, int] = {}
    for day, n in rows:
        per_day[day] = per_day.get(day, 0) + n
    assert per_day == daily
    assert (await Package.get(id=package.id)).total_downloads == sum(daily.values())
    by_version = dict(
        await PackageVersion.filter(package_id=package.id).values_list("version", "downloads")
    )
    assert by_version == {"1.0.0": 3 + 4 + 7 + 100, "2.0.0": 2 + 5 + 1}
    # A second flush of more downloads on a counted day adds to the same row.
    version = await PackageVersion.get(package_id=package.id, version="1.0.0")
    await _count_on(stack, monkeypatch, [(version, FIRST, 2)])
    row = await VersionDownloadDay.get(version_id=version.id, day=FIRST)
    assert row.downloads == 5


async def test_rest_and_graphql_agree_for_each_granularity(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    package, daily = await _seed(stack, monkeypatch)
    in_range = {day: n for day, n in daily.items() if FIRST <= day <= LAST}
    expected_weeks = {
        date(2026, 3, 2): 3 + 2 + 4,
        date(2026, 3, 30): 5 + 7,
        date(2026, 4, 13): 1,
    }
    expected = {
        "day": (44, in_range),
        "week": (7, expected_weeks),
        "month": (2, {date(2026, 3, 1): 3 + 2 + 4 + 5, date(2026, 4, 1): 7 + 1}),
    }
    for granularity, (periods, nonzero) in expected.items():
        rest = await _rest(
            stack,
            "counted",
            **{"from": FIRST.isoformat(), "to": LAST.isoformat(), "granularity": granularity},
        )
        graphql = await _graphql(stack, "counted", granularity.upper())
        assert rest["package"] == graphql["package"] == "Counted"
        assert len(rest["periods"]) == periods, granularity
        got = {date.fromisoformat(p["start"]): p["downloads"] for p in rest["periods"]}
        assert {d: n for d, n in got.items() if n} == nonzero, granularity
        assert rest["periods"] == graphql["periods"]
        assert rest["total"] == graphql["total"] == sum(in_range.values())
        assert (
            rest["versions"]
            == graphql["versions"]
            == [
                {"version": "1.0.0", "downloads": 14},
                {"version": "2.0.0", "downloads": 8},
            ]
        )
        assert (rest["from"], rest["to"]) == (graphql["from"], graphql["to"])
    # Defaults: the 30 days up to today, one period each, all zero here.
    default = await _rest(stack, "Counted")
    assert len(default["periods"]) == 30
    assert default["to"] == download_stats.today().isoformat()


async def test_visibility_follows_the_package_detail(stack: Stack) -> None:
    team = await make_publisher("owner", "team")
    await add_package(team, "Secret", visibility="private")
    await add_package(team, "Aside", visibility="unlisted")
    for who in ({}, bearer("stranger")):
        response = await stack.client.get(STATS.format(name="Secret"), headers=who)
        assert response.status_code == 404, response.text
        assert set(response.json()) >= {"detail"}
        detail = await stack.client.get("/api/v1/packages/Secret", headers=who)
        assert detail.status_code == 404
    assert (
        await stack.client.get(STATS.format(name="Secret"), headers=bearer("owner"))
    ).status_code == 200
    assert (await stack.client.get(STATS.format(name="Aside"))).status_code == 200
    assert (await stack.client.get(STATS.format(name="Nope"))).status_code == 404
    variables = {"p": "Secret", "g": "DAY"}
    refused = (await post(stack.client, QUERY, variables, user="stranger")).json()
    assert refused["errors"][0]["extensions"]["code"] == "not_found"
    owned = (await post(stack.client, QUERY, variables, user="owner")).json()
    assert owned["data"]["downloadStats"]["total"] == 0


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2026-03-02" + "0" * 5000}, "from"),
        ({"from": "2026-03-05", "to": "2026-03-04"}, "from"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "from"),
        ({"granularity": "hour"}, "granularity"),
    ],
)
async def test_bad_input_is_a_400(stack: Stack, params: dict[str, str], field: str) -> None:
    team = await make_publisher("owner", "team")
    await add_package(team, "Counted")
    response = await stack.client.get(STATS.format(name="Counted"), params=params)
    assert response.status_code == 400, response.text
    assert field in response.json()["detail"]


async def test_graphql_bad_range_is_a_typed_error(stack: Stack) -> None:
    team = await make_publisher("owner", "team")
    await add_package(team, "Counted")
    for start, end in (("2026-03-05", "2026-03-04"), ("2020-01-01", "2026-01-01")):
        body = (
            await post(stack.client, QUERY, {"p": "Counted", "f": start, "t": end, "g": "DAY"})
        ).json()
        assert body["errors"][0]["extensions"]["code"] == "invalid", body
    bad_date = (
        await post(stack.client, QUERY, {"p": "Counted", "f": "2026-02-30", "g": "DAY"})
    ).json()
    assert bad_date["errors"] and bad_date.get("data") is None


async def test_counts_of_a_deleted_version_are_dropped_not_the_batch(stack: Stack) -> None:
    team = await make_publisher("owner", "team")
    package = await add_package(team, "Counted")
    kept = await add_version(package, "1.0.0")
    gone = await add_version(package, "2.0.0")
    counter = stack.ctx.downloads
    counter.count_version(package.id, kept.id)
    counter.count_version(package.id, gone.id)
    await gone.delete()
    await counter.flush()
    assert counter.pending == 0
    assert [row.downloads for row in await VersionDownloadDay.all()] == [1]
    assert (await PackageVersion.get(id=kept.id)).downloads == 1


async def test_retention_job_deletes_old_days_and_is_idempotent(stack: Stack) -> None:
    team = await make_publisher("owner", "team")
    package = await add_package(team, "Counted")
    version = await add_version(package, "1.0.0")
    retention = stack.ctx.policy.download_stats_retention_days
    assert retention == 730  # the default
    today = download_stats.today()
    for age in (0, retention, retention + 1, retention + 400):
        await VersionDownloadDay.create(
            package_id=package.id,
            version_id=version.id,
            day=today - timedelta(days=age),
            downloads=1,
        )
    ctx = {"registry": stack.ctx}
    assert await prune_download_stats(ctx) == 2
    assert await prune_download_stats(ctx) == 0
    ages = sorted((today - row.day).days for row in await VersionDownloadDay.all())
    assert ages == [0, retention]
    assert await BuildDownloadDay.all().count() == 0


async def test_a_failed_flush_keeps_its_counts_for_the_next(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    team = await make_publisher("owner", "team")
    package = await add_package(team, "Counted")
    version = await add_version(package, "1.0.0")
    counter = stack.ctx.downloads
    for _ in range(3):
        counter.count_version(package.id, version.id)
    real_upsert = download_counts._upsert_days

    async def outage(*args: Any) -> None:
        raise ConnectionError("database away")

    monkeypatch.setattr(download_counts, "_upsert_days", outage)
    with pytest.raises(ConnectionError):
        await counter.flush()
    assert counter.pending == 3
    monkeypatch.setattr(download_counts, "_upsert_days", real_upsert)
    counter.count_version(package.id, version.id)
    await counter.flush()
    assert counter.pending == 0
    assert [row.downloads for row in await VersionDownloadDay.all()] == [4]
    assert (await Package.get(id=package.id)).total_downloads == 4


async def test_artifact_build_downloads_are_counted_per_day(stack: Stack) -> None:
    team = await make_publisher("owner", "team", artifacts=True)
    artifact = await Artifact.create(
        name="App", name_key="app", artifact_type="tauri_app", publisher_id=team.id
    )
    release = await ArtifactVersion.create(
        artifact_id=artifact.id, version="1.0.0", version_key="1.0.0"
    )
    build = await ArtifactBuild.create(
        artifact_version_id=release.id,
        platform="linux",
        architecture="x86_64",
        filename="app.AppImage",
        blob_key="k",
        sha256="0" * 64,
        size_bytes=1,
    )
    counter = stack.ctx.downloads
    for _ in range(5):
        counter.count_build(build.id)
    await counter.flush()
    counter.count_build(build.id)
    await counter.flush()
    rows = await BuildDownloadDay.all()
    assert [(row.build_id, row.day, row.downloads) for row in rows] == [
        (build.id, download_stats.today(), 6)
    ]
    assert (await ArtifactBuild.get(id=build.id)).downloads == 6


async def test_shutdown_waits_for_a_flush_in_progress(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopping while the loop's flush is between writing a batch and recording it: the
    shutdown must not cancel it there (the batch would be written again)."""
    team = await make_publisher("owner", "team")
    package = await add_package(team, "Counted")
    version = await add_version(package, "1.0.0")
    real_upsert = download_counts._upsert_days
    written = asyncio.Event()

    async def slow_upsert(*args: Any) -> None:
        await real_upsert(*args)
        written.set()
        await asyncio.sleep(0.3)  # written, not yet recorded as written

    monkeypatch.setattr(download_counts, "_upsert_days", slow_upsert)
    counter = download_counts.DownloadCounter(flush_interval=0.01)
    for _ in range(3):
        counter.count_version(package.id, version.id)
    counter.start()
    await asyncio.wait_for(written.wait(), 10)
    await counter.stop()
    assert counter.pending == 0
    assert [row.downloads for row in await VersionDownloadDay.all()] == [3]
    assert (await Package.get(id=package.id)).total_downloads == 3
