"""Pages for versions published before pages existed: `scans.rebuild_pages` and the
`tb-registry rebuild-pages` command take them from the stored archives."""

from __future__ import annotations

import asyncio
import os
import sys

from domain.models import PackageVersion
from domain.services import scans
from tests.fixtures.stack import Stack
from tests.helpers import create_package, make_publisher, mod_zip, upload_version
from tests.pages import images

README = b"# Old Mod\n\nPublished before pages. <script>alert(1)</script>"


async def _publish_without_page(stack: Stack, name: str) -> None:
    await make_publisher("u1", "old-team")
    assert (await create_package(stack.client, "u1", name)).status_code == 201
    data = mod_zip(
        name, "1.0.0", extra={f"{name}/README.md": README, f"{name}/icon.png": images.png()}
    )
    assert (await upload_version(stack.client, "u1", name, "1.0.0", data)).status_code == 201
    await stack.drain_jobs()
    # As a version published before this feature: no page recorded.
    await PackageVersion.filter(package__name=name).update(
        readme_html="", changelog_html="", icon_key=""
    )
    from domain import changes

    changes.announce()  # the update bypassed the domain: drop cached reads
    detail = (await stack.client.get(f"/api/v1/packages/{name}")).json()
    assert detail["readme_html"] == "" and detail["icon_url"] == ""


async def test_rebuild_pages_takes_them_from_the_archive(stack: Stack) -> None:
    await _publish_without_page(stack, "OldMod")
    assert await scans.rebuild_pages(stack.ctx) == (1, 1)
    await stack.drain_jobs()
    detail = (await stack.client.get("/api/v1/packages/OldMod")).json()
    assert detail["readme_html"].startswith('<h1 id="user-content-old-mod">Old Mod</h1>')
    assert "alert" not in detail["readme_html"]
    icon = await stack.client.get(detail["icon_url"])
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/png"
    # Nothing is missing any more; --all takes it again and keeps the same icon object.
    assert await scans.rebuild_pages(stack.ctx) == (0, 0)
    assert await scans.rebuild_pages(stack.ctx, package="oldmod", missing_only=False) == (1, 1)
    await stack.drain_jobs()
    again = (await stack.client.get("/api/v1/packages/OldMod")).json()
    assert again["icon_url"] == detail["icon_url"]
    assert (await stack.client.get(again["icon_url"])).content == icon.content
    assert await scans.rebuild_pages(stack.ctx, package="NoSuchPackage") == (0, 0)


async def test_rebuild_pages_command(stack: Stack) -> None:
    await _publish_without_page(stack, "CliMod")
    settings = stack.settings
    env = {
        **os.environ,
        "DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "TB_REGISTRY_ENV_FILE": os.devnull,
    }
    primary = settings.primary_storage
    if primary is not None and primary.kind == "s3":
        env.update(
            {
                "MINIO_PRIMARY_ENDPOINT": primary.endpoint or "",
                "MINIO_PRIMARY_ACCESS_KEY": primary.access_key or "",
                "MINIO_PRIMARY_SECRET_KEY": primary.secret_key or "",
                "MINIO_PRIMARY_BUCKET": primary.bucket or "",
            }
        )
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "registry",
        "rebuild-pages",
        "--package",
        "CliMod",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, (out.decode(), err.decode())
    assert "rebuild-pages: 1 versions looked at, 1 pages written" in out.decode()
    from domain import changes

    changes.announce()  # written by another process
    detail = (await stack.client.get("/api/v1/packages/CliMod")).json()
    assert detail["readme_html"].startswith("<h1")
    assert (await stack.client.get(detail["icon_url"])).status_code == 200
