"""infra/compose.yaml's registry services, run as local processes: the deployment file is
what starts, not a description next to it.

The commands and environment come from the compose file (and the image's ENTRYPOINT and ENV
from the Dockerfile); only the places the containers would reach are mapped to this machine:
the `postgres` service to a fresh database on the local PostgreSQL, `redis` to the local Redis
with a queue name of its own, `minio-primary` and `minio-mirror` to two fresh buckets on a
SeaweedFS S3 server, each container's port 4025 to a free loopback port and its DATA_DIR to a
temporary folder, its /tmp to one more. Then, as compose would: the buckets, `migrate` (must
exit 0), the `web` replicas (ready by the compose healthcheck's own command) and `worker`
(healthy by its own, and unhealthy once stopped); one publish, the scan on the worker, a
download through each web process, the copy on the mirror, `/metrics`.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from redis import Redis

from tests.fixtures.seaweed_process import SeaweedServer
from tests.fixtures.services import create_postgres_database, drop_postgres_database
from tests.fixtures.stack import bearer
from tests.helpers import mod_zip
from tests.infra.compose_file import (
    example_variables,
    healthcheck_argv,
    load_compose,
    local_argv,
    read_image,
)
from tests.process.rest_setup import publisher_and_package, upload
from tests.process.server import free_port

JWT_SECRET = "compose-processes-jwt-secret-0123456789"
# Wide margins: the machine may be busy with other suites.
START_DEADLINE = 90.0
PUBLISH_DEADLINE = 120.0
T = TypeVar("T")


def wait_for(what: str, probe: Callable[[], T | None], deadline: float) -> T:
    """`probe()`'s first non-None answer, polled until `deadline` seconds have passed."""
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        answer = probe()
        if answer is not None:
            return answer
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class LocalPlaces:
    """What the compose services' hosts become on this machine, for one run."""

    database_url: str
    redis_url: str
    s3: SeaweedServer
    queue_name: str = field(default_factory=lambda: f"tbr-compose-{uuid.uuid4().hex[:10]}")
    buckets: dict[str, str] = field(default_factory=dict)

    def bucket_for(self, compose_bucket: str) -> str:
        return self.buckets.setdefault(compose_bucket, self.s3.new_bucket_name("compose"))


def to_local(environment: dict[str, str], services: dict[str, Any], places: LocalPlaces) -> dict:
    """The compose environment with every reference to a compose service mapped to `places`.
    Each rule checks what it replaces, so a changed compose file fails here, not silently."""
    local = dict(environment)
    database = urlsplit(environment["DATABASE_URL"])
    assert database.hostname == "postgres" and "postgres" in services
    assert database.path == f"/{services['postgres']['environment']['POSTGRES_DB']}"
    local["DATABASE_URL"] = places.database_url

    redis = urlsplit(environment["REDIS_URL"])
    assert redis.hostname == "redis" and "redis" in services
    local_redis = urlsplit(places.redis_url)
    local["REDIS_URL"] = urlunsplit(redis._replace(netloc=local_redis.netloc))
    local["ARQ_QUEUE_NAME"] = places.queue_name

    for store in ("PRIMARY", "MIRROR"):
        host = environment[f"MINIO_{store}_ENDPOINT"].rsplit(":", 1)[0]
        assert host in services and services[host]["image"].startswith("minio/minio:")
        local[f"MINIO_{store}_ENDPOINT"] = places.s3.endpoint
        local[f"MINIO_{store}_BUCKET"] = places.bucket_for(environment[f"MINIO_{store}_BUCKET"])

    # Nothing may still name a compose service: such a variable would need a rule above.
    leftovers = {name: value for name, value in local.items() if _host(value) in services}
    assert not leftovers, f"compose services not mapped to local places: {leftovers}"
    return local


def _host(value: str) -> str | None:
    """The host a URL (scheme://...) or a host:port value names, else None."""
    if "://" in value:
        return urlsplit(value).hostname
    host, colon, port = value.rpartition(":")
    return host if colon and port.isdigit() else None


@dataclass
class Service:
    """One container of a compose service, as a process."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log_path: Path
    port: int | None = None
    process: subprocess.Popen[bytes] | None = None

    def start(self, cwd: Path) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.argv, env=self.env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def check_running(self) -> None:
        assert self.process is not None
        code = self.process.poll()
        assert code is None, f"{self.name} exited with {code}:\n{self.log()}"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class ComposeRun:
    """The registry services of infra/compose.yaml for one test, stopped at the end."""

    def __init__(self, tmp: Path, places: LocalPlaces) -> None:
        self.tmp = tmp
        self.places = places
        compose = load_compose({**example_variables(), "CLOUDM_JWT_SECRET": JWT_SECRET})
        self.services_config: dict[str, Any] = compose["services"]
        self.image = read_image()
        self.running: list[Service] = []

    def container(self, service: str, index: int = 1) -> Service:
        """Service `service`'s container number `index`: the image's ENV, then the service's
        environment mapped to local places, its port and data folder; ENTRYPOINT + command."""
        config = self.services_config[service]
        name = f"{service}-{index}"
        data_dir = self.tmp / name
        data_dir.mkdir()
        tmpdir = self.tmp / f"{name}-tmp"
        tmpdir.mkdir()
        port = free_port()
        env = {
            **{k: v for k, v in self.image.environment.items() if k != "PATH"},
            **to_local(config["environment"], self.services_config, self.places),
            # The container's own places: its port 4025, its DATA_DIR volume and its /tmp.
            "SERVER_HOST": "127.0.0.1",
            "SERVER_PORT": str(port),
            "DATA_DIR": str(data_dir),
            "TMPDIR": str(tmpdir),
            "PATH": os.environ["PATH"],
            # Test-only guards: proofs are never fetched from outside loopback, even if a
            # periodic job found one to re-check.
            "VERIFY_GITHUB_BASE_URL": "http://127.0.0.1:9",
            "VERIFY_DOMAIN_URL_TEMPLATE": "http://127.0.0.1:9/{domain}",
            "VERIFY_DNS_NAMESERVERS": "127.0.0.1",
            "VERIFY_DNS_PORT": "9",
        }
        argv = local_argv([*self.image.entrypoint, *config["command"]])
        return Service(name, argv, env, self.tmp / f"{name}.log", port=port)

    def run_once(self, service: str) -> None:
        container = self.container(service)
        container.start(cwd=self.tmp)
        assert container.process is not None
        code = container.process.wait(timeout=START_DEADLINE)
        assert code == 0, f"{service} exited with {code}:\n{container.log()}"

    def start(self, service: str, index: int = 1) -> Service:
        container = self.container(service, index)
        container.start(cwd=self.tmp)
        self.running.append(container)
        return container

    def probe(self, container: Service) -> subprocess.CompletedProcess[bytes]:
        """The compose healthcheck of the container's service, run as compose runs it: inside
        the container, with its environment."""
        test = self.services_config[container.name.rsplit("-", 1)[0]]["healthcheck"]["test"]
        return subprocess.run(
            healthcheck_argv(test), env=container.env, capture_output=True, timeout=30
        )

    def healthy(self, container: Service) -> bool | None:
        container.check_running()
        return True if self.probe(container).returncode == 0 else None

    def logs(self) -> str:
        """The end of every process's log, for a failure message."""
        return "\n".join(f"--- {c.name} ---\n{c.log()}" for c in self.running)

    def stop(self) -> None:
        for container in reversed(self.running):
            container.stop()


@pytest.fixture
def places(redis_url: str, seaweed_s3: SeaweedServer) -> Iterator[LocalPlaces]:
    database_url = asyncio.run(create_postgres_database())
    local = LocalPlaces(database_url=database_url, redis_url=redis_url, s3=seaweed_s3)
    try:
        yield local
    finally:
        asyncio.run(drop_postgres_database(database_url))
        redis = Redis.from_url(redis_url)
        try:
            leftover = list(redis.scan_iter(match=f"*{local.queue_name}*"))
            redis.delete(local.queue_name, *leftover)
        finally:
            redis.close()


def _publish(base: str, name: str, archive: bytes) -> None:
    """A publisher, an unlisted package and one upload, over REST (as tests/process does)."""
    headers = bearer("c1", secret=JWT_SECRET)
    team = {"name": "compose-team", "display_name": "Compose", "email": "c@example.com"}
    publisher_and_package(base, name, headers=headers, publisher=team)
    file = ("m.zip", archive, "application/zip")
    upload(base, name, "1.0.0", headers=headers, file=file, timeout=60)


def test_compose_services_run_as_processes(tmp_path: Path, places: LocalPlaces) -> None:
    run = ComposeRun(tmp_path, places)
    replicas = run.services_config["web"]["deploy"]["replicas"]
    assert replicas >= 2
    # The `buckets` service: both buckets exist before anything else starts.
    client = places.s3.client()
    for store in ("PRIMARY", "MIRROR"):
        compose_bucket = run.services_config["buckets"]["environment"][f"MINIO_{store}_BUCKET"]
        client.make_bucket(places.bucket_for(compose_bucket))
    try:
        run.run_once("migrate")
        webs = [run.start("web", index) for index in range(1, replicas + 1)]
        worker = run.start("worker")
        wait_for("worker healthy", lambda: run.healthy(worker), START_DEADLINE)
        for web in webs:
            wait_for(f"{web.name} ready", lambda web=web: run.healthy(web), START_DEADLINE)
            # The image's own HEALTHCHECK (liveness) passes as well.
            liveness = subprocess.run(
                healthcheck_argv(run.image.healthcheck),
                env={**os.environ, "SERVER_PORT": web.env["SERVER_PORT"]},
                timeout=30,
            )
            assert liveness.returncode == 0
            ready = httpx.get(f"{web.url}/api/v1/ready").json()
            assert ready["details"]["redis"] is True, ready
            assert ready["details"]["storage"] == {"primary": True, "mirror": True}, ready

        archive = mod_zip("ComposeMod", "1.0.0")
        _publish(webs[0].url, "ComposeMod", archive)
        version_path = "/api/v1/packages/ComposeMod/versions/1.0.0"

        def published() -> bool | None:
            worker.check_running()  # the scan runs in the worker process, nowhere else
            return True if httpx.get(f"{webs[-1].url}{version_path}").status_code == 200 else None

        wait_for("the worker's scan to publish", published, PUBLISH_DEADLINE)

        mirror_bucket = places.buckets[
            run.services_config["web"]["environment"]["MINIO_MIRROR_BUCKET"]
        ]

        def mirrored() -> bool | None:
            worker.check_running()
            for item in client.list_objects(mirror_bucket, recursive=True):
                response = client.get_object(mirror_bucket, item.object_name)
                try:
                    if response.read() == archive:
                        return True
                finally:
                    response.close()
                    response.release_conn()
            return None

        wait_for("the worker's copy on the mirror bucket", mirrored, PUBLISH_DEADLINE)

        # A download through each web process, which says so on its own /metrics (compose
        # sets no PROMETHEUS_MULTIPROC_DIR: every container reports itself). The download
        # counts once the whole file is sent, just after the client has the last byte; the
        # keep-alive session (as package managers use) stays open until the count shows.
        for web in webs:
            with httpx.Client(base_url=web.url, timeout=30) as session:
                download = session.get(f"{version_path}/file")
                assert download.status_code == 200, f"{web.name}: {download.text[:300]}"
                assert download.content == archive

                def downloads_counted(session: httpx.Client = session) -> float | None:
                    metrics = session.get("/metrics")
                    assert metrics.status_code == 200, f"/metrics: {metrics.status_code}"
                    samples = {
                        sample.name: sample.value
                        for family in text_string_to_metric_families(metrics.text)
                        for sample in family.samples
                        if not sample.labels
                    }
                    assert "registry_downloads_total" in samples, sorted(samples)
                    return samples["registry_downloads_total"] or None

                counted = wait_for(f"{web.name} /metrics", downloads_counted, 10)
                assert counted == 1.0, web.name

        for container in [*webs, worker]:
            container.check_running()
        assert run.healthy(worker), run.probe(worker)
        worker.stop()
        assert worker.process is not None and worker.process.returncode == 0
        stopped = run.probe(worker)
        assert stopped.returncode == 1, stopped
        assert b"unhealthy: no heartbeat" in stopped.stderr, stopped
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{run.logs()}") from None
    finally:
        run.stop()
