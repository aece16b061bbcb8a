"""No N+1: a page of packages with versions, publishers and dependencies costs the same
number of SQL statements whatever its size (DataLoaders batch each level into one query)."""

from __future__ import annotations

from tests.fixtures.stack import Stack
from tests.graphql.support import add_package, add_version, count_queries, data, post
from tests.helpers import make_publisher

PAGE = """query Page($first: Int!) {
  packages(first: $first, sort: NAME) {
    totalCount
    edges { node {
      name latestVersion
      publisher { name verificationStatus packageCount totalDownloads }
      versions(first: 5) { version downloadUrl
        dependencies { name versionSpec package { name } } }
      usedBy(first: 3) { name }
    } }
  }
}"""


async def seed(count: int) -> None:
    owners = [await make_publisher(f"u{i}", f"team-{i}") for i in range(5)]
    for index in range(count):
        package = await add_package(owners[index % 5], f"pkg-{index:03d}")
        for version in ("1.0.0", "1.1.0"):
            previous = f"pkg-{index - 1:03d}" if index else "external-lib"
            await add_version(
                package, version, dependencies=[(previous, ">=1.0.0"), ("CloudM", "*")]
            )


async def test_page_queries_are_constant_in_page_size(stack: Stack) -> None:
    await seed(100)
    with count_queries() as small:
        ten = await data(stack, PAGE, {"first": 10})
    with count_queries() as large:
        hundred = await data(stack, PAGE, {"first": 100})
    assert len(ten["packages"]["edges"]) == 10 and len(hundred["packages"]["edges"]) == 100
    node = hundred["packages"]["edges"][5]["node"]
    assert node["name"] == "pkg-005" and [v["version"] for v in node["versions"]] == [
        "1.1.0",
        "1.0.0",
    ]
    assert node["versions"][0]["dependencies"][0] == {
        "name": "pkg-004",
        "versionSpec": ">=1.0.0",
        "package": {"name": "pkg-004"},
    }
    assert node["usedBy"] == [{"name": "pkg-006"}]
    assert node["publisher"]["packageCount"] == 20
    assert small.count == large.count, (small.statements, large.statements)
    # count + page, versions, dependencies, dependency targets, reverse dependencies (2),
    # publishers, publisher counters.
    assert large.count <= 9, large.statements
    print(f"SQL statements: page of 10 -> {small.count}, page of 100 -> {large.count}")


async def test_http_page_is_constant_too(stack: Stack) -> None:
    await seed(30)
    counts = []
    for first in (3, 30):
        with count_queries() as counter:
            response = await post(stack.client, PAGE, {"first": first})
        assert response.status_code == 200 and "errors" not in response.json()
        counts.append(counter.count)
    assert counts[0] == counts[1]
