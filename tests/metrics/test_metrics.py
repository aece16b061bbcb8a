"""`GET /metrics` on both stacks: after a small load (a publish with its scan, a download, a
few requests, a GraphQL operation, a cache hit) every metric the issue lists is there, read by
Prometheus' own text parser, with the values that load must have added.

Metrics are process-wide, and other tests in this process count too: every check compares a
scrape after the load with one before it.
"""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from registry import metrics
from registry.app import create_app
from registry.metrics_http import UNMATCHED, route_templates
from tests.fixtures.stack import Stack
from tests.helpers import upload_version
from tests.pipeline.support import OWNER, benign_mod, make_owner_package
from tests.scanning.helpers import MOD

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    """Every sample of an exposition, by name and labels (Prometheus' own parser)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


async def test_every_metric_after_a_small_load(stack: Stack) -> None:
    client = stack.client
    before = await scrape(client)

    await make_owner_package(client)
    uploaded = await upload_version(client, OWNER, MOD, "1.0.0", benign_mod())
    assert uploaded.status_code == 201, uploaded.text
    await stack.drain_jobs()  # the scan: a verdict
    detail = f"/api/v1/packages/{MOD}"
    for _ in range(3):  # the first fills the package cache, the others hit it
        assert (await client.get(detail)).status_code == 200
    download = await client.get(f"{detail}/versions/1.0.0/file")
    assert download.status_code == 200
    assert (await client.get("/api/v1/no-such-route/x1y2z3")).status_code == 404
    answer = await client.post(
        "/graphql",
        json={"query": "query PackageName { __typename }", "operationName": "PackageName"},
    )
    assert answer.status_code == 200, answer.text

    after = await scrape(client)

    def added(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    # requests: by route template and status, with latency histograms
    route = {"route": "/api/v1/packages/{name}", "method": "GET"}
    assert added("registry_http_requests_total", **route, status="200") == 3
    assert added("registry_http_request_duration_seconds_count", **route) == 3
    assert added("registry_http_request_duration_seconds_bucket", **route, le="+Inf") == 3
    assert added("registry_http_request_duration_seconds_sum", **route) > 0
    assert added("registry_http_requests_total", route=UNMATCHED, method="GET", status="404") == 1
    assert not any("x1y2z3" in str(labels) for _, labels in after)  # never a raw path
    # GraphQL operations by name
    assert added("registry_graphql_operations_total", operation="PackageName", outcome="ok") == 1
    # jobs by type: count and duration; the in-process queue's depth
    assert added("registry_jobs_total", job="scan_version", outcome="ok") >= 1
    assert added("registry_job_duration_seconds_count", job="scan_version") >= 1
    assert ("registry_job_queue_depth", frozenset({("runner", "in-process")})) in after
    assert value(after, "registry_job_queue_depth", runner="in-process") >= 0
    # scan verdicts, downloads
    assert added("registry_scan_verdicts_total", verdict="published") == 1
    assert added("registry_downloads_total") == 1
    # cache hits and misses
    assert added("registry_cache_lookups_total", cache="package", result="hit") >= 2
    assert added("registry_cache_lookups_total", cache="package", result="miss") >= 1
    # replication lag (from the database) and breaker state, per backend
    assert value(after, "registry_metrics_source_up", source="database") == 1
    for store in stack.ctx.storage.all:
        assert value(after, "registry_replication_lag_objects", backend=store.name) == 0
        oldest = (
            "registry_replication_oldest_pending_seconds",
            frozenset({("backend", store.name)}),
        )
        assert after[oldest] == 0
        assert value(after, "registry_storage_breaker_state", backend=store.name, state="closed")
        assert not value(after, "registry_storage_breaker_state", backend=store.name, state="open")


async def test_breaker_state_follows_the_breaker(stack: Stack) -> None:
    breaker = stack.ctx.storage.breakers.get("primary")
    try:
        breaker.record_failure("test: down")
        samples = await scrape(stack.client)
        assert value(samples, "registry_storage_breaker_state", backend="primary", state="open")
        assert not value(
            samples, "registry_storage_breaker_state", backend="primary", state="closed"
        )
    finally:
        breaker.record_success()
    samples = await scrape(stack.client)
    assert value(samples, "registry_storage_breaker_state", backend="primary", state="closed")


async def test_lag_counts_objects_missing_on_a_backend(stack: Stack) -> None:
    from domain.enums import CopyState
    from domain.models import StoredCopy

    await make_owner_package(stack.client)
    uploaded = await upload_version(stack.client, OWNER, MOD, "1.0.0", benign_mod())
    assert uploaded.status_code == 201
    await stack.drain_jobs()
    assert await StoredCopy.filter(backend="primary").update(state=CopyState.MISSING)
    samples = await scrape(stack.client)
    assert value(samples, "registry_replication_lag_objects", backend="primary") >= 1
    assert value(samples, "registry_replication_oldest_pending_seconds", backend="primary") >= 0
    assert (
        "registry_replication_oldest_pending_seconds",
        frozenset({("backend", "primary")}),
    ) in samples


# --- access -------------------------------------------------------------------------------------


def _client(stack: Stack, client_address: str, **settings: object) -> httpx.AsyncClient:
    app = create_app(dataclasses.replace(stack.settings, **settings), runtime=stack.runtime)
    transport = httpx.ASGITransport(app=app, client=(client_address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "::1"])
async def test_open_to_local_and_private_clients_without_a_token(
    stack: Stack, address: str
) -> None:
    async with _client(stack, address) as client:
        assert (await client.get("/metrics")).status_code == 200


async def test_public_clients_are_refused_without_a_token(stack: Stack) -> None:
    # A public address in the ASGI scope only: no packet is sent anywhere.
    async with _client(stack, "93.184.216.34") as client:
        response = await client.get("/metrics")
    assert response.status_code == 403
    assert "METRICS_TOKEN" in response.json()["detail"]


async def test_token_required_when_configured(stack: Stack) -> None:
    token = "metrics-token-0123456789"
    async with _client(stack, "127.0.0.1", metrics_token=token) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
            refused = await client.get("/metrics", headers=headers)
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"] == "Bearer"
            assert "detail" in refused.json()
        allowed = await client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert allowed.status_code == 200
    assert "registry_http_requests_total" in allowed.text


async def test_metrics_is_not_in_the_openapi_document(stack: Stack) -> None:
    document = (await stack.client.get("/api/v1/openapi.json")).json()
    assert not any("metrics" in path for path in document["paths"])


# --- bounded labels -----------------------------------------------------------------------------


def test_operation_names_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(metrics, "_admitted_operation_names", set())
    assert metrics.operation_label(None) == metrics.ANONYMOUS_OPERATION
    assert metrics.operation_label("") == metrics.ANONYMOUS_OPERATION
    assert metrics.operation_label("bad name!") == metrics.OTHER_OPERATION
    assert metrics.operation_label("x" * 65) == metrics.OTHER_OPERATION
    names = [f"Operation{index}" for index in range(metrics.MAX_OPERATION_NAMES + 20)]
    labels = {metrics.operation_label(name) for name in names}
    assert len(labels) == metrics.MAX_OPERATION_NAMES + 1  # the admitted ones and `other`
    assert metrics.operation_label("Operation0") == "Operation0"  # admitted names stay


def test_every_route_has_a_template(stack: Stack) -> None:
    app = create_app(stack.settings, runtime=stack.runtime)
    templates = route_templates(app.router.routes)
    assert "/api/v1/packages/{name}" in templates.values()
    assert "/metrics" in templates.values()
    assert all("{" not in t or t.count("{") == t.count("}") for t in templates.values())


async def test_tallied_requests_land_in_the_buckets_observe_would_use() -> None:
    """The tally's batched flush writes what `Histogram.observe` would have, bound values
    included (a bucket is `le`: a duration equal to its bound belongs in it)."""
    from prometheus_client import CollectorRegistry, Histogram

    durations = [0.0, 0.001, 0.0011, 0.005, 0.3, 2.5, 99.0]
    reference = Histogram(
        "reference", "", buckets=metrics.HTTP_BUCKETS, registry=CollectorRegistry()
    )
    for seconds in durations:
        reference.observe(seconds)
    tally = metrics.RequestTally()
    labels = {"route": "/tally-test", "method": "GET"}

    def buckets() -> dict[str, float]:
        return {
            sample.labels["le"]: sample.value
            for family in metrics.HTTP_DURATION.collect()
            for sample in family.samples
            if sample.name.endswith("_bucket") and sample.labels["route"] == labels["route"]
        }

    before = buckets()
    for seconds in durations:
        tally.add(labels["route"], labels["method"], 200, seconds)
    tally.flush()
    added = {le: count - before.get(le, 0.0) for le, count in buckets().items()}
    expected = {
        sample.labels["le"]: sample.value
        for family in reference.collect()
        for sample in family.samples
        if sample.name.endswith("_bucket")
    }
    assert added == expected
    total = metrics.HTTP_REQUESTS.labels("/tally-test", "GET", "200")._value.get()
    assert total >= len(durations)


def test_multiproc_dir_only_in_the_settings_stops_the_start(stack: Stack, tmp_path) -> None:
    """prometheus-client reads PROMETHEUS_MULTIPROC_DIR from the environment on import: a value
    that only reached the settings (a .env line) would be silently ignored, so it is refused."""
    from registry.config import ConfigError

    settings = dataclasses.replace(stack.settings, prometheus_multiproc_dir=tmp_path)
    with pytest.raises(ConfigError, match="^PROMETHEUS_MULTIPROC_DIR: "):
        create_app(settings, runtime=stack.runtime)
