"""Self-hosted GraphiQL: the page, its locally served assets and the Strawberry hook.

Typical wiring in the Starlette app::

    routes = [
        Mount("/graphql/static", app=graphiql_static_app()),
        Route("/graphql", endpoint=view),
        WebSocketRoute("/graphql", endpoint=view),
    ]

where ``view`` is a ``SelfHostedGraphiQL(schema)`` (or a subclass of
``SelfHostedGraphiQLMixin`` and ``strawberry.asgi.GraphQL``). The assets in ``static/`` are
rebuilt with ``infra/graphiql/build.sh``.
"""

from schema.graphiql.assets import GraphiQLAssetsMissingError
from schema.graphiql.page import (
    DEFAULT_ENDPOINT,
    DEFAULT_QUERY,
    DEFAULT_STATIC_PREFIX,
    graphiql_html,
)
from schema.graphiql.static_files import LONG_CACHE_CONTROL, graphiql_static_app
from schema.graphiql.strawberry_view import SelfHostedGraphiQL, SelfHostedGraphiQLMixin

__all__ = [
    "DEFAULT_ENDPOINT",
    "DEFAULT_QUERY",
    "DEFAULT_STATIC_PREFIX",
    "LONG_CACHE_CONTROL",
    "GraphiQLAssetsMissingError",
    "SelfHostedGraphiQL",
    "SelfHostedGraphiQLMixin",
    "graphiql_html",
    "graphiql_static_app",
]
