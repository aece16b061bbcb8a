"""Requests exactly as the unmodified ToolBoxV2 `RegistryClient` sends them (REST_CONTRACT §1.8),
with every response checked against the transport rules and the served OpenAPI document.

Rules checked on every response: no 3xx (the client never follows redirects), every 4xx/5xx
is JSON with a string `detail`, a `Retry-After` header is a small whole number (and present on
429), and status and body match the OpenAPI document.
"""

from __future__ import annotations

import io
import json
import secrets
import time
import zipfile
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import httpx
import yaml

from tests.contract.schema_check import response_problems
from tests.fixtures.stack import make_jwt

# What httpx sends by default, pinned so the tests do not depend on the installed version.
CLIENT_HEADERS = {
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "keep-alive",
    "User-Agent": "python-httpx/0.28",
}
BASE_URL = "http://testserver"
# The one route allowed to redirect: urllib (feature loader without httpx) follows it.
REDIRECTING_PATH_SUFFIX = "-latest.zip"


def temp_zip_name() -> str:
    """The client uploads from `tempfile.NamedTemporaryFile(suffix=".zip")`."""
    return f"tmp{secrets.token_hex(4)}.zip"


@dataclass
class Exchange:
    method: str
    path: str
    status: int


@dataclass
class ContractClient:
    transport: httpx.AsyncBaseTransport
    document: dict[str, Any]
    exchanges: list[Exchange] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.http = httpx.AsyncClient(
            transport=self.transport,
            base_url=BASE_URL,
            headers=CLIENT_HEADERS,
            follow_redirects=False,
            timeout=30,
        )

    async def aclose(self) -> None:
        await self.http.aclose()

    async def request(
        self,
        method: str,
        url: str,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if token:
            sent["Authorization"] = f"Bearer {token}"
        response = await self.http.request(method, url, headers=sent, **kwargs)
        self.check(response)
        return response

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", url, **kwargs)

    async def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", url, **kwargs)

    async def multipart(
        self,
        url: str,
        fields: dict[str, str],
        file_bytes: bytes,
        *,
        token: str | None,
        content_type: str = "application/zip",
    ) -> httpx.Response:
        """httpx sends the text parts first (no part content type), then `file`."""
        files = {"file": (temp_zip_name(), io.BytesIO(file_bytes), content_type)}
        return await self.request("POST", url, token=token, data=fields, files=files)

    async def download(self, download_url: str, *, token: str | None = None) -> httpx.Response:
        """Step 2 of `download()`: a relative URL is joined to the base URL, the token rides
        along, redirects are not followed."""
        return await self.get(urljoin(BASE_URL + "/", download_url), token=token)

    def check(self, response: httpx.Response) -> None:
        request = response.request
        path = request.url.path
        self.exchanges.append(Exchange(request.method, path, response.status_code))
        status = response.status_code
        assert not (300 <= status < 400 and not path.endswith(REDIRECTING_PATH_SUFFIX)), (
            f"{request.method} {path} answered {status}: the client never follows redirects"
        )
        retry_after = response.headers.get("retry-after")
        if status == 429:
            assert retry_after is not None, f"429 without Retry-After on {path}"
        if retry_after is not None:
            assert retry_after.isdigit() and int(retry_after) <= 60, (
                f"Retry-After must be a small whole number of seconds, got {retry_after!r}"
            )
        body: Any = None
        content_type = response.headers.get("content-type", "")
        if status >= 400:
            assert content_type.startswith("application/json"), (
                f"{request.method} {path} {status}: error is {content_type!r}, not JSON"
            )
        if content_type.startswith("application/json") and request.method != "HEAD":
            body = response.json()
        if status >= 400:
            assert (
                isinstance(body, dict) and isinstance(body.get("detail"), str) and body["detail"]
            ), f"{request.method} {path} {status}: bad error body {body!r}"
        problems = response_problems(
            self.document, request.method, path, status, content_type, body
        )
        assert not problems, "\n".join(problems)


# --- identities and archives ------------------------------------------------------------------


def token_for(user_id: str, username: str | None = None, **claims: Any) -> str:
    """A CloudM access token as CloudM issues it (float iat/exp, 15 minutes)."""
    return make_jwt(
        user_id, username or f"user-{user_id}", email=f"{user_id}@example.com", **claims
    )


def expired_token(user_id: str) -> str:
    now = time.time()
    return make_jwt(user_id, f"user-{user_id}", iat=now - 3600, exp=now - 1800)


def module_zip(
    name: str,
    version: str,
    *,
    layout: str = "root",
    dependencies: list[Any] | None = None,
    padding: bytes = b"",
) -> bytes:
    """A mod as `publish()` zips a module folder: `tbConfig.yaml` at the archive root
    (`layout="root"`), or ModManager's installer layout with everything under `name/`."""
    manifest = {
        "module_name": name,
        "version": version,
        "config_version": "2.0",
        "module_type": "package",
        "description": f"The {name} module",
        "author": "tester",
        "license": "MIT",
        "dependencies": dependencies or [],
        "platforms": {"common": {"files": ["*"], "required": True}},
        "metadata": {"keywords": ["contract"]},
    }
    prefix = f"{name}/" if layout == "package" else ""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{prefix}tbConfig.yaml", yaml.safe_dump(manifest))
        archive.writestr(f"{prefix}__init__.py", f"__version__ = {version!r}\n")
        archive.writestr(f"{prefix}module.py", "def run():\n    return 'ok'\n")
        if padding:
            archive.writestr(f"{prefix}data.bin", padding)
    return buffer.getvalue()


def feature_zip(feature: str, version: str) -> bytes:
    manifest = {
        "name": feature,
        "version": version,
        "description": f"The {feature} feature",
        "files": ["web/*"],
        "enabled": True,
        "immutable": False,
        "dependencies": ["requests>=2"],
        "requires": [],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("feature.yaml", yaml.safe_dump(manifest))
        archive.writestr("web/index.html", "<h1>feature</h1>")
    return buffer.getvalue()


def metadata_json(**fields: Any) -> str:
    return json.dumps(fields)
