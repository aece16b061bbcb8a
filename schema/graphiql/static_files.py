"""Serves the shipped GraphiQL assets from the registry itself."""

import os

from starlette.responses import Response
from starlette.staticfiles import PathLike, StaticFiles
from starlette.types import Scope

from schema.graphiql.assets import STATIC_DIR

# Asset URLs carry a content hash (?v=...), so a year-long immutable cache is safe: a new build
# changes the URL rather than the content behind it.
LONG_CACHE_CONTROL = "public, max-age=31536000, immutable"


class LongCachedStaticFiles(StaticFiles):
    """StaticFiles whose responses (including 304s) tell browsers to keep the files for a year."""

    def file_response(
        self,
        full_path: PathLike,
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = LONG_CACHE_CONTROL
        return response


def graphiql_static_app() -> StaticFiles:
    """ASGI app serving graphiql.js, graphiql.css and their third-party license notices.

    Mount it at the ``static_prefix`` given to :func:`schema.graphiql.graphiql_html`
    (``/graphql/static`` by default). In a Starlette route list, put this Mount *before* any
    ``Mount("/graphql", ...)``, which would otherwise swallow ``/graphql/static/...``.
    """
    return LongCachedStaticFiles(directory=STATIC_DIR, check_dir=True)
