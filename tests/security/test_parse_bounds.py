"""Issue #12, finding 1: one anonymous request froze the server.

The requirement parser backtracked quadratically (`\\s*(.*?)\\s*` on `"a x" + 40,000 spaces +
"y"`: 7.5 s; `\\s+-\\s+`), re-merged the range on every `||` alternative (4,000 `1.0.x||`: 8 s),
had no length caps, and ran on the event loop, so `/health` stalled with it.

The class, tested here: every text a caller can hand the parser (requirements, specifiers,
names, versions; through the parser, REST resolve, GraphQL resolve, /updates, /versions and
manifests) is bounded before any regex runs (`domain/bounds.py`), and what is within the
bounds parses in linear time; random long and pathological texts each take < 10 ms of CPU or
are refused as too long; and a real server keeps answering `/health` within 100 ms while 8
clients send such texts.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain import bounds, manifest, names, ranges, versions
from domain.manifest import ManifestError, parse_dependencies
from domain.ranges import InvalidRange, InvalidRequirement, parse_range, parse_requirement
from domain.resolver import solver
from tests.fixtures.stack import Stack, bearer
from tests.graphql.support import post as graphql_post
from tests.helpers import create_package, make_publisher, mod_zip, upload_version
from tests.process.server import ServerProcess
from tests.security.dos_load import LoadProcess, probe_health

PARSE_BUDGET = 0.010  # seconds of CPU per parse

# The exact inputs of the audit.
AUDIT_REQUIREMENTS = {
    "spaces inside a requirement": "a x" + " " * 40_000 + "y",
    "80,000 spaces": " " * 80_000,
    "80,000 spaces inside a requirement": "a x" + " " * 80_000 + "y",
    "4,000 alternatives": "a " + "||".join(["1.0.x"] * 4_000),
}

# Pieces the former regexes and merging were slow on, and pieces of the grammar.
FRAGMENTS = [
    " ",
    "\t",
    "\n",
    "\u2003",
    " - ",
    "-",
    "||",
    "|",
    "1.0.x||",
    "1.0.x",
    "!=1 ",
    ">=",
    "<",
    "^",
    "~",
    "~=",
    "==",
    "===",
    ",",
    "1.",
    ".",
    "x",
    "*",
    "0",
    "-0",
    "+b",
    "v",
    "a1",
    "1.0.0-alpha.1 ",
]


@st.composite
def pathological_requirements(draw: st.DrawFn) -> str:
    """A name, then runs of grammar pieces repeated up to 40,000 times, then a tail."""
    name = draw(st.sampled_from(["a", "CloudM", "some-mod", "x" * 100, "x" * 101, "", " "]))
    runs = draw(
        st.lists(
            st.tuples(st.sampled_from(FRAGMENTS), st.integers(1, 40_000)), min_size=1, max_size=3
        )
    )
    tail = draw(st.sampled_from(["", "y", "1", " ", "-", "||", "1.0.0"]))
    return name + "".join(fragment * count for fragment, count in runs) + tail


@st.composite
def requirements_within_bounds(draw: st.DrawFn) -> str:
    """Texts up to the requirement bound built from grammar pieces: these are parsed fully."""
    name = draw(st.sampled_from(["a", "CloudM", "x" * 100]))
    pieces = draw(st.lists(st.sampled_from(FRAGMENTS), max_size=120))
    return (name + " " + "".join(pieces))[: bounds.REQUIREMENT_MAX_LENGTH]


any_requirement = st.one_of(
    pathological_requirements(),
    requirements_within_bounds(),
    st.text(max_size=2_000),
    st.text(alphabet=st.sampled_from(" \t-|.,<>=!~^*xXv0123456789a+"), max_size=2_000),
)


def _cold_parse_seconds(text: str) -> tuple[float, object]:
    """CPU seconds of one uncached parse (CPU time: the bound is on the work, not on how busy
    the shared machine is), and the Requirement or the refusal."""
    ranges._parse_range_cached.cache_clear()
    ranges._version_from_text.cache_clear()
    started = time.thread_time()
    try:
        outcome: object = parse_requirement(text)
    except InvalidRequirement as exc:
        outcome = exc
    return time.thread_time() - started, outcome


def _is_too_long_refusal(outcome: object) -> bool:
    return isinstance(outcome, InvalidRequirement) and (
        "longer than" in outcome.reason or "more than" in outcome.reason
    )


# --- the parser ---------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_requirement)
def test_any_requirement_parses_within_budget_or_is_refused(text: str) -> None:
    seconds, outcome = _cold_parse_seconds(text)
    assert seconds < PARSE_BUDGET, (len(text), seconds)
    if len(text) > bounds.REQUIREMENT_MAX_LENGTH:
        assert _is_too_long_refusal(outcome), outcome
    if isinstance(outcome, InvalidRequirement):
        # The refusal quotes at most a short prefix of the text, whatever its length.
        assert len(str(outcome)) < 600


@pytest.mark.parametrize("label", list(AUDIT_REQUIREMENTS))
def test_the_audit_inputs_are_refused_at_once(label: str) -> None:
    seconds, outcome = _cold_parse_seconds(AUDIT_REQUIREMENTS[label])
    assert _is_too_long_refusal(outcome) and seconds < 0.001


def test_each_bound_refuses_one_past_it_and_accepts_it_exactly() -> None:
    name = "n" * bounds.NAME_MAX_LENGTH
    assert parse_requirement(name).name == name
    with pytest.raises(InvalidRequirement, match="name is longer than 100"):
        parse_requirement(name + "n")

    spec = ">=1.0.0 " * 24 + "<2" + " " * (bounds.SPEC_MAX_LENGTH - 24 * 8 - 2)
    assert len(spec) == bounds.SPEC_MAX_LENGTH and parse_range(spec).contains("1.5.0")
    with pytest.raises(InvalidRange, match="longer than 200"):
        parse_range(spec + " ")
    assert parse_requirement(f"{name}   {spec}").spec == spec.strip()
    with pytest.raises(InvalidRequirement, match="longer than 320"):
        parse_requirement(f"{name}{' ' * 21}{spec}")

    alternatives = "||".join(f"{i}.x" for i in range(bounds.MAX_ALTERNATIVES))
    assert parse_range(alternatives).contains(f"{bounds.MAX_ALTERNATIVES - 1}.2.0")
    with pytest.raises(InvalidRange, match="more than 32 '\\|\\|' alternatives"):
        parse_range(alternatives + "||99.x")

    comparators = " ".join(["1"] * bounds.MAX_COMPARATORS)
    assert parse_range(comparators).contains("1.0.0")
    for too_many in (
        comparators + " 1",
        comparators + " || 2",
        "1 - 2 || " + comparators[2:] + " || 1",
    ):
        with pytest.raises(InvalidRange, match="more than 64 comparators"):
            parse_range(too_many)


def test_parsing_is_linear_in_the_number_of_alternatives(monkeypatch: pytest.MonkeyPatch) -> None:
    # With the caps lifted, 8x the alternatives must cost about 8x (the former per-`||`
    # re-merge made it ~64x); CPU time, best of three, with slack for n log n sorting.
    monkeypatch.setattr(ranges, "MAX_COMPARATORS", 10**9)

    def cost(count: int) -> float:
        text = "||".join(f"{i}.0.x" for i in range(count))
        best = float("inf")
        for _ in range(3):
            ranges._parse_range_cached.cache_clear()
            started = time.thread_time()
            ranges._parse_range_cached(text)
            best = min(best, time.thread_time() - started)
        return best

    assert cost(4_000) < 16 * cost(500)


LONG_INPUTS = [
    " " * 100_000,
    "\t" * 100_000,
    "a" * 100_000 + "!",
    "1" * 100_000 + "!",
    "1." * 50_000 + "!",
    "a x" + " " * 100_000 + "y",
    " -" * 50_000 + "!",
    "- " * 50_000 + "!",
    "1a" * 50_000 + "!",
    "-" * 100_000 + "!",
    "1.0.0" + "-1" * 50_000 + "!",
    "1" + ".post" * 20_000 + "!",
]


def _patterns() -> list[tuple[str, re.Pattern[str]]]:
    modules = (ranges, names, versions, manifest, solver)
    return [
        (f"{module.__name__}.{attr}", value)
        for module in modules
        for attr, value in vars(module).items()
        if isinstance(value, re.Pattern)
    ]


@pytest.mark.parametrize(("where", "pattern"), _patterns(), ids=lambda p: str(p)[:40])
def test_every_parser_regex_is_linear_on_100k_characters(
    where: str, pattern: re.Pattern[str]
) -> None:
    # The patterns the parsers use, each on 100,000-character texts made of what their
    # quantifiers consume, anchored as the parsers use them (match / fullmatch): adjacent
    # unbounded quantifiers over the same characters (`\s*(.*?)\s*`) fail this.
    del where
    for text in LONG_INPUTS:
        for mode in (pattern.match, pattern.fullmatch):
            started = time.thread_time()
            mode(text)
            assert time.thread_time() - started < 0.05, (pattern.pattern, text[:10], mode)


@pytest.mark.parametrize(
    "module", [ranges, names, versions, manifest, solver], ids=lambda m: m.__name__
)
def test_parsers_never_search_unanchored(module: Any) -> None:
    # An unanchored search restarts at every position, and a pattern that starts with a
    # quantifier rescans the rest of a run each time: `(\d+\.\d+\.\d+)-0` took 30 s on
    # 100,000 digits that way. The parsers match at known positions only.
    source = Path(module.__file__).read_text(encoding="utf-8")
    for call in (".search(", ".findall(", ".finditer(", ".sub(", ".subn(", "re.split("):
        assert call not in source, (module.__name__, call)


def test_hyphen_ranges_still_parse_like_before() -> None:
    # The hyphen finder replaced a regex: same meaning for the forms it must recognise.
    assert parse_range("1.2 - 2.3").contains("2.3.9")
    assert not parse_range("1.2 - 2.3").contains("2.4.0")
    assert parse_range("1.2\t-\t2.3 || 5").contains("5.1.0")
    assert not parse_range("1.0.0-alpha").contains("1.0.0")  # a pre-release, no hyphen range
    with pytest.raises(InvalidRange, match="hyphen range"):
        parse_range("1 - 2 - 3")
    with pytest.raises(InvalidRange):
        parse_range("  -  ")


def test_manifests_are_bounded_too() -> None:
    many = [f"dep{i}" for i in range(bounds.MAX_MANIFEST_DEPENDENCIES + 1)]
    assert len(parse_dependencies(many[:-1])[0]) == bounds.MAX_MANIFEST_DEPENDENCIES
    for value in (many, {name: "*" for name in many}):
        with pytest.raises(ManifestError, match="more than 200 dependencies"):
            parse_dependencies(value)
    deps, warnings = parse_dependencies(["ok", "a" * 101, "b " + "1" * 201])
    assert [d.name for d in deps] == ["ok"] and len(warnings) == 2


def test_versions_and_names_are_bounded_before_their_regex() -> None:
    # `packaging` raises ValueError (not InvalidVersion) past 4,300 digits: a 500 before.
    assert versions.loose_version("1" * 5_000) is None
    for bad in ("1" * 5_000, "1." * 5_000 + "0"):
        with pytest.raises(Exception, match="Invalid version") as refused:
            versions.parse_version(bad)
        assert len(str(refused.value)) < 300
    for validate in (names.validate_package_name, names.validate_publisher_slug):
        with pytest.raises(Exception, match="Invalid") as refused:
            validate("a" * 1_000_000)
        assert len(str(refused.value)) < 300


# --- through the API, on both stacks ------------------------------------------------------


def _samples(strategy: st.SearchStrategy[Any], count: int) -> list[Any]:
    """`count` examples of `strategy`, drawn by hypothesis (the HTTP calls that use them are
    async, which @given cannot drive with the stack fixture)."""
    drawn: list[Any] = []

    @settings(
        max_examples=count, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(strategy)
    def collect(value: Any) -> None:
        drawn.append(value)

    collect()
    return drawn


RESOLVE_QUERY = (
    "query($r: [String!]!, $t: String) { resolve(requirements: $r, "
    "toolboxVersion: $t) { success conflict { errors } } }"
)


async def _rest_resolve(stack: Stack, body: dict[str, Any]) -> tuple[float, httpx.Response]:
    started = time.perf_counter()
    response = await stack.client.post("/api/v1/resolve", json=body)
    return time.perf_counter() - started, response


async def _graphql_resolve(
    stack: Stack, requirements: list[str], toolbox: str | None = None
) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    response = await graphql_post(stack.client, RESOLVE_QUERY, {"r": requirements, "t": toolbox})
    assert response.status_code in (200, 400), response.text
    return time.perf_counter() - started, response.json()


def _assert_rest_refused(response: httpx.Response, *words: str) -> None:
    """A 400 whose detail is short and holds every one of `words` (the limit and what it
    is about: the REST body's schema may refuse a value before the domain does, in its own
    words)."""
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert isinstance(detail, str) and len(detail) < 600, detail
    assert all(word in detail for word in words), detail


def _assert_graphql_refused(body: dict[str, Any], words: str) -> None:
    assert body.get("data") is None or body["data"].get("resolve") is None, body
    error = body["errors"][0]
    assert error["extensions"]["code"] == "invalid", error
    assert words in error["message"] and len(error["message"]) < 600, error


@pytest.mark.parametrize("label", list(AUDIT_REQUIREMENTS))
async def test_the_audit_inputs_get_a_fast_400(stack: Stack, label: str) -> None:
    text = AUDIT_REQUIREMENTS[label]
    seconds, response = await _rest_resolve(stack, {"requirements": [text]})
    _assert_rest_refused(response, "320")
    assert seconds < 1.0
    seconds, response = await _rest_resolve(stack, {"packages": [{"name": "a", "version": text}]})
    _assert_rest_refused(response, "320")
    seconds, body = await _graphql_resolve(stack, [text])
    _assert_graphql_refused(body, "longer than")
    assert seconds < 1.0


async def test_random_requirements_through_rest_and_graphql(stack: Stack) -> None:
    await make_publisher("u1")
    assert (await create_package(stack.client, "u1", "CloudM")).status_code == 201
    upload = await upload_version(stack.client, "u1", "CloudM", "1.0.0", mod_zip("CloudM", "1.0.0"))
    assert upload.status_code == 201, upload.text
    await stack.drain_jobs()
    for text in _samples(any_requirement, 40):
        seconds, response = await _rest_resolve(stack, {"requirements": [text]})
        assert response.status_code in (200, 400), response.text
        assert isinstance(response.json().get("detail", ""), str)
        if len(text) > bounds.REQUIREMENT_MAX_LENGTH:
            _assert_rest_refused(response, "320")
        assert seconds < 1.0, (len(text), seconds)
        seconds, body = await _graphql_resolve(stack, [text])
        if len(text) > bounds.REQUIREMENT_MAX_LENGTH:
            _assert_graphql_refused(body, "longer than")
        else:
            assert body.get("data") or body["errors"][0]["extensions"]["code"] == "invalid"
        assert seconds < 1.0, (len(text), seconds)


async def test_counts_and_versions_are_bounded_on_every_route(stack: Stack) -> None:
    client = stack.client
    too_many = [f"p{i}" for i in range(bounds.MAX_RESOLVE_REQUIREMENTS + 1)]
    _, response = await _rest_resolve(stack, {"requirements": too_many})
    _assert_rest_refused(response, "500", "requirements")
    _, body = await _graphql_resolve(stack, too_many)
    _assert_graphql_refused(body, "At most 500 requirements")
    _, response = await _rest_resolve(stack, {"requirements": too_many[:-1]})
    assert response.status_code == 200 and response.json()["success"] is False

    for toolbox in ("1" * 5_000, "1." * 60 + "0"):
        _, response = await _rest_resolve(
            stack, {"requirements": ["a"], "toolbox_version": toolbox}
        )
        _assert_rest_refused(response, "toolbox_version", "100")
        _, body = await _graphql_resolve(stack, ["a"], toolbox)
        _assert_graphql_refused(body, "toolbox_version is longer than 100")
        response = await client.post(
            "/api/v1/updates", json={"items": [{"name": "a"}], "toolbox_version": toolbox}
        )
        _assert_rest_refused(response, "toolbox_version", "100")
    response = await client.get(
        "/api/v1/resolve/check", params={"package": "a", "version": "1" * 5_000}
    )
    _assert_rest_refused(response, "320")

    # /updates: item count and an installed version past any version's length (a 500 before).
    response = await client.post(
        "/api/v1/updates", json={"items": [{"name": "a"}] * (bounds.MAX_UPDATE_ITEMS + 1)}
    )
    _assert_rest_refused(response, "500", "items")
    response = await client.post(
        "/api/v1/updates", json={"items": [{"name": "a", "version": "1" * 5_000}]}
    )
    _assert_rest_refused(response, "version", "100")
    result = await graphql_post(
        client,
        "query($i: [UpdateQueryInput!]!) { checkUpdates(items: $i) { found } }",
        {"i": [{"name": "a", "version": "1" * 5_000}]},
    )
    assert result.json()["errors"][0]["extensions"]["code"] == "invalid", result.text

    # /versions and latestVersions: more names than a batch is refused, not cut short.
    response = await client.get("/api/v1/versions", params={"names": ",".join(too_many)})
    _assert_rest_refused(response, "500", "names")
    result = await graphql_post(
        client, "query($n: [String!]) { latestVersions(names: $n) { name } }", {"n": too_many}
    )
    assert result.json()["errors"][0]["extensions"]["code"] == "invalid", result.text
    response = await client.get("/api/v1/versions", params={"names": ",".join(too_many[:-1])})
    assert response.status_code == 200 and response.json() == {"versions": {}}


async def test_an_upload_with_too_many_dependencies_is_a_400(stack: Stack) -> None:
    await make_publisher("u1")
    assert (await create_package(stack.client, "u1", "Big")).status_code == 201
    deps = [f"dep{i}" for i in range(bounds.MAX_MANIFEST_DEPENDENCIES + 1)]
    response = await upload_version(
        stack.client, "u1", "Big", "1.0.0", mod_zip("Big", "1.0.0", dependencies=deps)
    )
    _assert_rest_refused(response, "more than 200 dependencies")
    response = await upload_version(
        stack.client, "u1", "Big", "1.0.0", mod_zip("Big", "1.0.0", dependencies=deps[:-1])
    )
    assert response.status_code == 201, response.text
    detail = await stack.client.get("/api/v1/packages/Big/versions/1.0.0", headers=bearer("u1"))
    assert len(detail.json()["dependencies"]) == bounds.MAX_MANIFEST_DEPENDENCIES


# --- a real server under load -------------------------------------------------------------


def _flood_payloads() -> list[dict[str, Any]]:
    """The audit's inputs and hypothesis-drawn pathological and random requirement strings,
    alone and in batches, for REST and GraphQL resolve. (The largest inputs the bounds allow,
    500 new requirements a request, are bench/dos_bench.py's: their figures need a quiet
    machine.)"""
    texts = [
        *AUDIT_REQUIREMENTS.values(),
        *_samples(pathological_requirements(), 30),
        *_samples(requirements_within_bounds(), 30),
    ]
    within = [text for text in texts if len(text) <= bounds.REQUIREMENT_MAX_LENGTH]
    payloads = [{"path": "/api/v1/resolve", "json": {"requirements": [text]}} for text in texts]
    payloads.append({"path": "/api/v1/resolve", "json": {"requirements": within}})
    payloads += [
        {"path": "/graphql", "json": {"query": RESOLVE_QUERY, "variables": {"r": r}}}
        for r in ([texts[0]], [texts[3]], within, *([text] for text in texts[4:14]))
    ]
    return payloads


def drain_output(server: ServerProcess) -> None:
    """Read the server's output as it comes: it logs a line per request, and a full pipe
    would block the server (not the parser) and stall every request."""
    assert server.process is not None and server.process.stdout is not None
    threading.Thread(target=server.process.stdout.read, daemon=True).start()


def test_health_answers_within_100ms_while_8_clients_send_pathological_requirements(
    tmp_path: Path,
) -> None:
    # The limiter off: every request reaches the parser (the budgets are finding 3's test).
    server = ServerProcess(tmp_path / "data", {"RATE_LIMIT_ENABLED": "false"})
    server.start()
    drain_output(server)
    try:
        load = LoadProcess(server.url, seconds=7, connections=8, payloads=_flood_payloads())
        load.start()
        time.sleep(1.0)  # the connections are open and the server busy
        latencies = probe_health(server.url, 5.0)
        statuses = load.result()
    finally:
        server.stop()
    expected = {"200", "400", "graphql:ok", "graphql:invalid"}
    assert set(statuses) <= expected, statuses
    assert statuses.get("400", 0) > 50, statuses
    # Before the fix one such request held `/health` for 7.5-28 s. The 90th percentile rather
    # than the maximum: the server shares two cores with the load generator and whatever else
    # the machine runs, so a few probes wait for a CPU (bench/dos_bench.py measures the p99
    # with 16 connections); none may wait for the parser.
    latencies.sort()
    p90 = latencies[int(len(latencies) * 0.9) - 1]
    assert p90 < 0.100, (p90, statistics.median(latencies), latencies[-5:], statuses)
    assert latencies[-1] < 1.0, latencies[-5:]
