"""The /graphql endpoint: Strawberry's ASGI view with the registry's context, limits and the
self-hosted GraphiQL page, plus the routes the Starlette app mounts.

HTTP concerns live here and only here: the request body limit, streaming multipart uploads,
turning the bearer token into an `Actor` (the same `registry.auth` as REST), and the
graphql-transport-ws handshake. Resolvers see only the `GraphQLContext`.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from cross_web import HTTPException, StarletteRequestAdapter
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.async_base_view import AsyncHTTPRequestAdapter
from strawberry.schema import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET

from domain.exceptions import DomainError, InvalidInput, NotAuthenticated, TooLarge
from domain.jsontext import load_json
from registry.auth import optional_actor, required_actor
from registry.multipart import FRAMING_ALLOWANCE
from schema.core.context import GraphQLContext
from schema.core.limits import GraphQLLimits
from schema.core.uploads import GraphQLMultipart, is_multipart, read_graphql_multipart
from schema.graphiql import SelfHostedGraphiQLMixin, graphiql_static_app
from schema.schema import schema
from schema.transport_ws import CheckedTransportWSHandler

_UPLOADS_STATE = "graphql_uploads"


class _BodyTooLarge(Exception):
    pass


class _RequestAdapter(StarletteRequestAdapter):
    """Keeps the Starlette request reachable for the streaming multipart parser."""

    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.starlette_request = request


def _error_response(status: int, message: str, code: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]},
                        status_code=status)


class RegistryGraphQL(SelfHostedGraphiQLMixin, GraphQL):
    """GraphQL over HTTP (POST; GET for queries only) and graphql-transport-ws."""

    request_adapter_class = _RequestAdapter
    graphql_transport_ws_handler_class = CheckedTransportWSHandler

    def __init__(self, schema: BaseSchema, limits: GraphQLLimits) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if limits.ide else None,
            allow_queries_via_get=True,  # Strawberry refuses mutations over GET regardless
            multipart_uploads_enabled=True,  # parsed by our streaming parser, see below
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )
        self.limits = limits

    # --- HTTP ----------------------------------------------------------------------------------

    def _body_limit(self, scope: Scope) -> int:
        headers = dict(scope.get("headers") or [])
        if is_multipart(headers.get(b"content-type", b"").decode("latin-1")):
            return self.limits.max_upload_bytes + FRAMING_ALLOWANCE
        return self.limits.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        limit = self._body_limit(scope)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _error_response(413, f"Request body exceeds {limit} bytes",
                                  "too_large")(scope, receive, send)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge
            return message

        try:
            await super().__call__(scope, limited_receive, send)
        except _BodyTooLarge:
            # Strawberry reads the whole body before it answers, so nothing was sent yet.
            await _error_response(413, f"Request body exceeds {limit} bytes",
                                  "too_large")(scope, receive, send)

    def decode_json(self, data: str | bytes) -> object:
        """Strawberry answers 400 (or closes a websocket) only on JSONDecodeError; the other
        ways JSON fails (domain/jsontext.py) would be a 500."""
        try:
            return load_json(data, "invalid JSON")
        except InvalidInput as error:
            text = data if isinstance(data, str) else data.decode("utf-8", "replace")
            raise json.JSONDecodeError(error.message, text, 0) from None

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        if isinstance(request, WebSocket):
            return await super().run(request, context, root_value)
        try:
            return await super().run(request, context, root_value)
        except DomainError as error:  # refused multipart bodies
            status = 413 if isinstance(error, TooLarge) else 400
            return _error_response(status, error.message, error.code)
        except HTTPException as error:  # Strawberry's own refusals, as JSON like the rest
            return _error_response(error.status_code, error.reason, "bad_request")
        finally:
            uploads: GraphQLMultipart | None = getattr(request.state, _UPLOADS_STATE, None)
            if uploads is not None:
                uploads.discard()

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, str]:
        assert isinstance(request, _RequestAdapter)
        starlette_request = request.starlette_request
        registry = starlette_request.app.state.runtime.ctx
        uploads = await read_graphql_multipart(
            request.content_type or "", starlette_request.stream(), registry.new_upload_path,
            self.limits.max_upload_bytes)
        setattr(starlette_request.state, _UPLOADS_STATE, uploads)
        return uploads.operations

    # --- context -------------------------------------------------------------------------------

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket
                          ) -> GraphQLContext:
        runtime = request.app.state.runtime
        actor = await optional_actor(request)  # type: ignore[arg-type] - any HTTPConnection
        return GraphQLContext(registry=runtime.ctx, actor=actor, limits=self.limits,
                              connection=request, response=response)

    async def on_ws_connect(self, context: GraphQLContext) -> Any:
        """A browser cannot set headers on a WebSocket: GraphiQL and graphql-ws clients send
        `{"Authorization": "Bearer ..."}` in `connection_init` instead. A token that is
        presented but refused closes the connection (4403) rather than going anonymous."""
        params = context.connection_params or {}
        header = next((value for key, value in params.items()
                       if isinstance(key, str) and key.lower() == "authorization"), None)
        if header is None:
            return await super().on_ws_connect(context)
        if not isinstance(header, str):
            raise ConnectionRejectionError({"message": "Authorization must be a string"})
        connection: HTTPConnection = context.connection
        scope = dict(connection.scope)
        scope["headers"] = [(k, v) for k, v in connection.scope.get("headers", [])
                            if k.lower() != b"authorization"]
        scope["headers"].append((b"authorization", header.encode("latin-1", "replace")))
        scope["state"] = {"request_id": connection.scope.get("state", {}).get("request_id", "")}
        try:
            context.actor = await required_actor(HTTPConnection(scope))  # type: ignore[arg-type]
        except NotAuthenticated as error:
            raise ConnectionRejectionError({"message": error.message}) from None
        context.loaders.clear()
        return await super().on_ws_connect(context)


def graphql_routes(settings: Any) -> list[BaseRoute]:
    """/graphql (HTTP and WebSocket) and the GraphiQL assets, built for these settings."""
    limits = GraphQLLimits.from_settings(settings)
    view = RegistryGraphQL(schema, limits)
    routes: list[BaseRoute] = [
        Route("/graphql", endpoint=view, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", endpoint=view),
    ]
    if limits.ide:
        with contextlib.suppress(RuntimeError):  # assets missing: the page itself says so
            routes.insert(0, Mount("/graphql/static", app=graphiql_static_app()))
    return routes
