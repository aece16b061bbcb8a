"""An artifact's download statistics (issue #18 part 3) on both stacks: builds downloaded
through the real routes (the build's file route, and the download route asked for bytes) are
counted per UTC day, and REST `GET /artifacts/{name}/stats/downloads` and GraphQL
`Artifact.downloadStats` give the same periods, per-version and per-build sums, for all builds
or those of one version, platform and/or architecture. Artifacts are always public: an unknown
one is the detail's 404 (GraphQL: the artifact is null). Bad input is a 400 `{"detail"}` or a
GraphQL `invalid`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from domain import download_counts
from domain.models import ArtifactBuild, BuildDownloadDay
from domain.services import download_stats
from tests.fixtures.stack import Stack
from tests.graphql.support import post
from tests.rest.test_artifacts import create_artifact, make_publisher, payload, upload_build

STATS = "/api/v1/artifacts/{name}/stats/downloads"
FILE = "/api/v1/artifacts/Desk/versions/{version}/builds/{platform}/{architecture}/file"
QUERY = """query($n: String!, $f: Date, $t: Date, $g: StatsGranularity!, $v: String,
  $p: String, $a: String) {
  artifact(name: $n) {
    downloadStats(from: $f, to: $t, granularity: $g, version: $v, platform: $p,
        architecture: $a) {
      artifact from to granularity total periods { start downloads }
      versions { version downloads } builds { version platform architecture downloads }
    }
  }
}"""
# Mon 2026-03-02 .. Tue 2026-04-14: two months, parts of seven weeks.
FIRST = date(2026, 3, 2)
LAST = date(2026, 4, 14)
BUILDS = [("1.0.0", "windows", "x64"), ("1.0.0", "linux", "x64"), ("2.0.0", "windows", "x64")]
# (build, day, downloads): each download a real GET of the build's bytes on that UTC day.
PLAN = [
    (BUILDS[0], FIRST, 3),
    (BUILDS[1], FIRST, 1),
    (BUILDS[0], date(2026, 3, 8), 2),  # Sunday of the first week
    (BUILDS[2], date(2026, 3, 31), 4),  # last day of March
    (BUILDS[1], date(2026, 4, 1), 2),
    (BUILDS[2], LAST, 1),
    (BUILDS[0], LAST + timedelta(days=1), 5),  # after the range
]


def _day_number(day: date) -> int:
    return (day - date(1970, 1, 1)).days


async def _seed(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> None:
    client = stack.client
    await make_publisher("owner")
    assert (await create_artifact(client, "owner", "Desk")).status_code == 201
    for version, platform, architecture in BUILDS:
        data = payload(f"{version}-{platform}-{architecture}")
        uploaded = await upload_build(
            client, "owner", "Desk", version, platform, architecture, data
        )
        assert uploaded.status_code == 201, uploaded.text
    for (version, platform, architecture), day, n in PLAN:
        monkeypatch.setattr(download_counts, "day_number", lambda d=day: _day_number(d))
        for index in range(n):
            if index % 2:  # the download route asked for the bytes serves them too
                response = await client.get(
                    f"/api/v1/artifacts/desk/versions/{version}/download",
                    params={"platform": platform, "architecture": architecture},
                    headers={"Accept": "application/octet-stream"},
                )
            else:
                response = await client.get(
                    FILE.format(version=version, platform=platform, architecture=architecture)
                )
            assert response.status_code == 200, response.text
    # Neither a HEAD nor the JSON descriptor is a download.
    await client.head(FILE.format(version="1.0.0", platform="windows", architecture="x64"))
    await client.get(
        "/api/v1/artifacts/Desk/versions/1.0.0/download",
        params={"platform": "windows", "architecture": "x64"},
    )
    monkeypatch.undo()
    await stack.ctx.downloads.flush()


async def _rest(stack: Stack, **params: str) -> Any:
    response = await stack.client.get(STATS.format(name="desk"), params=params)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, no-cache"
    return response.json()


async def _graphql(stack: Stack, variables: dict[str, Any]) -> Any:
    body = (await post(stack.client, QUERY, {"n": "Desk", **variables})).json()
    assert "errors" not in body, body
    return body["data"]["artifact"]["downloadStats"]


def _sum(select: Any) -> int:
    return sum(n for build, day, n in PLAN if FIRST <= day <= LAST and select(build))


async def test_downloads_through_the_routes_reach_rest_and_graphql_alike(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _seed(stack, monkeypatch)
    stored = sum(row.downloads for row in await BuildDownloadDay.all())
    assert stored == sum(n for _, _, n in PLAN)
    assert sum(b.downloads for b in await ArtifactBuild.all()) == stored

    expected = {
        "day": (
            44,
            {FIRST: 4, date(2026, 3, 8): 2, date(2026, 3, 31): 4, date(2026, 4, 1): 2, LAST: 1},
        ),
        "week": (7, {FIRST: 6, date(2026, 3, 30): 6, date(2026, 4, 13): 1}),
        "month": (2, {date(2026, 3, 1): 10, date(2026, 4, 1): 3}),
    }
    for granularity, (count, nonzero) in expected.items():
        span = {"from": FIRST.isoformat(), "to": LAST.isoformat()}
        rest = await _rest(stack, granularity=granularity, **span)
        graphql = await _graphql(
            stack, {"f": span["from"], "t": span["to"], "g": granularity.upper()}
        )
        assert rest["artifact"] == graphql["artifact"] == "Desk"
        assert len(rest["periods"]) == count, granularity
        got = {date.fromisoformat(p["start"]): p["downloads"] for p in rest["periods"]}
        assert {day: n for day, n in got.items() if n} == nonzero, granularity
        assert rest["periods"] == graphql["periods"]
        assert rest["total"] == graphql["total"] == _sum(lambda build: True) == 13
        assert rest["versions"] == graphql["versions"]
        assert rest["versions"] == [
            {"version": "1.0.0", "downloads": 8},
            {"version": "2.0.0", "downloads": 5},
        ]
        assert rest["builds"] == graphql["builds"]
        assert rest["builds"] == [
            {"version": "1.0.0", "platform": "windows", "architecture": "x64", "downloads": 5},
            {"version": "2.0.0", "platform": "windows", "architecture": "x64", "downloads": 5},
            {"version": "1.0.0", "platform": "linux", "architecture": "x64", "downloads": 3},
        ]
        assert (rest["from"], rest["to"]) == (graphql["from"], graphql["to"])
        assert (rest["granularity"], graphql["granularity"]) == (granularity, granularity.upper())
    # Defaults: the 30 days up to today, one period each, all zero here.
    default = await _rest(stack)
    assert len(default["periods"]) == 30 and default["total"] == 0
    assert default["to"] == download_stats.today().isoformat()


async def test_filters_select_builds_alike_on_both_apis(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _seed(stack, monkeypatch)
    span = {"from": FIRST.isoformat(), "to": LAST.isoformat()}
    cases = [
        # (REST query, GraphQL variables, which builds)
        ({"version": "v2.0.0"}, {"v": "v2.0.0"}, lambda b: b[0] == "2.0.0"),  # PEP 440-equal
        ({"platform": "win64"}, {"p": "win64"}, lambda b: b[1] == "windows"),  # an alias
        ({"architecture": "amd64"}, {"a": "amd64"}, lambda b: b[2] == "x64"),
        (
            {"version": "1.0.0", "platform": "linux"},
            {"v": "1.0.0", "p": "linux"},
            lambda b: b == BUILDS[1],
        ),
        ({"platform": "all"}, {"p": "all"}, lambda b: False),  # only builds made for `all`
        ({"platform": "macos"}, {"p": "macos"}, lambda b: False),
    ]
    for query, variables, select in cases:
        rest = await _rest(stack, **span, **query)
        graphql = await _graphql(
            stack, {"f": span["from"], "t": span["to"], "g": "DAY", **variables}
        )
        assert rest["total"] == graphql["total"] == _sum(select), query
        assert rest["periods"] == graphql["periods"], query
        assert rest["builds"] == graphql["builds"], query
        assert {(b["version"], b["platform"], b["architecture"]) for b in rest["builds"]} == {
            build for build in BUILDS if select(build)
        }, query


async def test_unknown_artifact_or_version_is_a_404(stack: Stack) -> None:
    client = stack.client
    missing = await client.get(STATS.format(name="Nope"))
    assert missing.status_code == 404, missing.text
    detail = await client.get("/api/v1/artifacts/Nope")
    assert missing.json() == detail.json()
    body = (await post(client, QUERY, {"n": "Nope", "g": "DAY"})).json()
    assert body == {"data": {"artifact": None}}

    await make_publisher("owner")
    await create_artifact(client, "owner", "Desk")
    unknown_version = await client.get(STATS.format(name="Desk"), params={"version": "9.9"})
    assert unknown_version.status_code == 404 and "9.9" in unknown_version.json()["detail"]
    refused = (await post(client, QUERY, {"n": "Desk", "g": "DAY", "v": "9.9"})).json()
    assert refused["errors"][0]["extensions"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-02-30"}, "from"),
        ({"to": "2026-3-1"}, "to"),
        ({"from": "2026-03-05", "to": "2026-03-04"}, "from"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "from"),
        ({"granularity": "year"}, "granularity"),
        ({"platform": "plan9"}, "platform"),
        ({"architecture": "mips"}, "architecture"),
        ({"version": "1" * 101}, "version"),
    ],
)
async def test_bad_input_is_a_400(stack: Stack, params: dict[str, str], field: str) -> None:
    await make_publisher("owner")
    await create_artifact(stack.client, "owner", "Desk")
    response = await stack.client.get(STATS.format(name="Desk"), params=params)
    assert response.status_code == 400, response.text
    assert field in response.json()["detail"]


async def test_graphql_bad_range_or_filter_is_a_typed_error(stack: Stack) -> None:
    await make_publisher("owner")
    await create_artifact(stack.client, "owner", "Desk")
    for variables in (
        {"f": "2026-03-05", "t": "2026-03-04"},
        {"f": "2020-01-01", "t": "2026-01-01"},
        {"p": "plan9"},
        {"a": "mips"},
        {"v": "1" * 101},
    ):
        body = (await post(stack.client, QUERY, {"n": "Desk", "g": "DAY", **variables})).json()
        assert body["errors"][0]["extensions"]["code"] == "invalid", body
