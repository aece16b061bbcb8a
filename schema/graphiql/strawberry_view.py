"""Makes Strawberry's ASGI view serve the self-hosted GraphiQL page instead of its CDN page.

Strawberry renders the IDE in ``render_graphql_ide`` (strawberry/asgi/__init__.py), which returns
``HTMLResponse(self.graphql_ide_html)`` -- a page loading React and GraphiQL from unpkg.com. The
mixin overrides exactly that hook. Strawberry only calls it for a browser GET without ``?query=``
and only while ``graphql_ide`` is truthy; passing ``graphql_ide=None`` to the view still switches
the IDE off (404), so the registry's "GraphiQL off" setting keeps working unchanged.
"""

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.asgi import GraphQL

from schema.graphiql.page import DEFAULT_QUERY, DEFAULT_STATIC_PREFIX, graphiql_html


class SelfHostedGraphiQLMixin:
    """Put before ``strawberry.asgi.GraphQL`` in the bases of the registry's view class.

    The page posts queries to the URL it was served from and opens subscriptions over WebSocket on
    that same path. Override the class attributes to change the asset prefix or the example query.
    """

    graphiql_static_prefix: str = DEFAULT_STATIC_PREFIX
    graphiql_default_query: str = DEFAULT_QUERY
    graphiql_subscriptions: bool = True

    async def render_graphql_ide(self, request: Request) -> Response:
        page = graphiql_html(
            endpoint=request.url.path,
            static_prefix=self.graphiql_static_prefix,
            subscriptions=self.graphiql_subscriptions,
            default_query=self.graphiql_default_query,
        )
        return HTMLResponse(page)


class SelfHostedGraphiQL(SelfHostedGraphiQLMixin, GraphQL):
    """``strawberry.asgi.GraphQL`` serving the self-hosted GraphiQL page; same constructor."""
