"""Locations and cache-busting versions of the GraphiQL assets shipped inside this package.

The files in ``static/`` are built by ``infra/graphiql/build.sh`` from pinned npm packages and
committed, so a registry serves GraphiQL with no network access (no CDN at runtime).
"""

import hashlib
from functools import cache
from pathlib import Path

STATIC_DIR = Path(__file__).parent / "static"
SCRIPT_FILE = "graphiql.js"
STYLESHEET_FILE = "graphiql.css"


class GraphiQLAssetsMissingError(RuntimeError):
    """The built assets are not in the package: run infra/graphiql/build.sh and commit them."""


@cache
def asset_version(file_name: str) -> str:
    """A short content hash of a shipped asset.

    Appended to asset URLs (``?v=...``) so they can be cached for a year yet change as soon as a
    rebuilt GraphiQL ships; cached because the files never change while the process runs.
    """
    path = STATIC_DIR / file_name
    try:
        content = path.read_bytes()
    except FileNotFoundError as error:
        raise GraphiQLAssetsMissingError(f"GraphiQL asset missing: {path}") from error
    return hashlib.sha256(content).hexdigest()[:16]
