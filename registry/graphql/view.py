"""The /graphql endpoint: Strawberry's ASGI view with the registry's context, limits and the
self-hosted GraphiQL page, plus the routes the Starlette app mounts.

HTTP concerns live here (and in the rest of registry/graphql/) and only here: the request body
limit, streaming multipart uploads, turning the bearer token into an `Actor` (the same
`registry.auth` as REST), the rate-limit charges, the graphql-transport-ws handshake, and
GraphQL over HTTP's media types, GET cache headers and persisted queries (over_http.py,
persisted.py). Resolvers see only the `GraphQLContext`.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import time
from collections import Counter
from typing import Any, cast

from cross_web import HTTPException, StarletteRequestAdapter
from starlette.datastructures import MutableHeaders, QueryParams
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.types import Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.async_base_view import AsyncHTTPRequestAdapter
from strawberry.schema import Schema
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET

from domain.actor import Actor
from domain.exceptions import DomainError, InvalidInput, RateLimited
from domain.jsontext import load_json
from domain.offload import loop_gate
from domain.outages import RETRY_AFTER_SECONDS, unavailable_backend, unavailable_message
from domain.sessions import expiry_problem
from registry.auth import (
    authenticate_bearer,
    bearer_token,
    optional_actor,
    parse_bearer,
    required_actor,
)
from registry.errors import status_for
from registry.graphql.answers import (
    MAX_CACHED_ANSWER_BYTES,
    MAX_CACHED_REQUEST_BYTES,
    answer_key,
    class_key,
    pack,
    rate_limited_body,
    unpack,
)
from registry.graphql.over_http import (
    GRAPHQL_RESPONSE_JSON,
    JSON,
    content_type,
    get_cache_control,
    request_error_status,
    response_media_type,
)
from registry.graphql.persisted import (
    NOT_FOUND_MESSAGE,
    PERSISTED_QUERY_NOT_FOUND,
    PersistedQueries,
    PersistedQueryNotFound,
    PersistedQueryRefused,
    load_manifest,
)
from registry.graphql.transport_ws import (
    CLOSE_TOO_MANY,
    BoundedWebSocketAdapter,
    CheckedTransportWSHandler,
    Recheck,
    SocketLimits,
)
from registry.graphql.uploads import GraphQLMultipart, read_graphql_multipart
from registry.logs import REQUEST_ID
from registry.metrics import count_graphql_operation
from registry.multipart import FRAMING_ALLOWANCE, is_multipart
from registry.outages import log_outage
from registry.ratelimit import (
    RateLimiter,
    RequestCharges,
    ip_identity,
    request_charges,
    user_identity,
)
from registry.read_cache import ResponseCache
from registry.rest.blobs import etag_matches
from schema.core.analysis import AnswerNote
from schema.core.context import GraphQLContext
from schema.core.errors import SERVICE_UNAVAILABLE, naming_request
from schema.core.graphql_limits import GraphQLLimits
from schema.core.personal import watched
from schema.core.uploads import UploadOperations
from schema.graphiql import SelfHostedGraphiQLMixin, graphiql_static_app
from schema.schema import schema

_UPLOADS_STATE = "graphql_uploads"
_ANSWER_STATE = "graphql_answer"
_MEDIA_STATE = "graphql_media_type"  # registry/graphql/over_http.py
_STATUS_STATE = "graphql_request_error_status"
_ETAG_STATE = "graphql_etag"
_REQUEST_FIELDS = frozenset({"query", "variables", "operationName", "extensions"})


# Requests with a large JSON body (hundreds of `checkUpdates` items or requirements, many
# aliases) cost tens of milliseconds of event-loop time in every phase: decoding, the cost and
# text checks, argument conversion, completing and encoding the result. Run side by side, 16
# of them keep that much work queued in front of every cheap request (`/health` included), so
# at most `LARGE_REQUEST_SLOTS` per process are handled at a time, from the first byte to the
# last; the others wait without using CPU. A page's query and a persisted query are far
# smaller. (Costly small documents are held back again at execution, schema/core/protection.)
LARGE_REQUEST_BYTES = 2048
LARGE_REQUEST_SLOTS = 1


async def _read_body(receive: Receive) -> Receive | None:
    """Read a request's whole body (already bounded by `receive`); a receive that hands it
    over again, or None when the client disconnected first."""
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    pending: list[Message] = [{"type": "http.request", "body": bytes(body), "more_body": False}]

    async def replay() -> Message:
        return pending.pop() if pending else await receive()

    return replay


class _BodyTooLarge(Exception):
    pass


class _RequestAdapter(StarletteRequestAdapter):
    """Keeps the Starlette request reachable for the streaming multipart parser."""

    def __init__(self, request: Request) -> None:
        super().__init__(request)
        self.starlette_request = request


def _error_response(
    status: int,
    message: str,
    code: str,
    media_type: str = JSON,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    extensions = naming_request({"code": code}, REQUEST_ID.get())
    return JSONResponse(
        {"errors": [{"message": message, "extensions": extensions}]},
        status_code=status,
        media_type=content_type(media_type),
        headers=headers,
    )


def _media_type(scope: Scope) -> str:
    media: str = scope.get("state", {}).get(_MEDIA_STATE, JSON)
    return media


class RegistryGraphQL(SelfHostedGraphiQLMixin, GraphQL[GraphQLContext, None]):
    """GraphQL over HTTP (POST; GET for queries only) and graphql-transport-ws."""

    request_adapter_class = _RequestAdapter
    graphql_transport_ws_handler_class = CheckedTransportWSHandler
    websocket_adapter_class = BoundedWebSocketAdapter

    def __init__(
        self,
        schema: Schema,
        limits: GraphQLLimits,
        socket_limits: SocketLimits | None = None,
        *,
        persisted: PersistedQueries | None = None,
        get_max_age: int = 0,
        allowed_origins: tuple[str, ...] = (),
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if limits.ide else None,
            allow_queries_via_get=True,  # mutations over GET: 405 (`execute_single`)
            multipart_uploads_enabled=True,  # parsed by our streaming parser, see below
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            # Pages on these origins may open the WebSocket too (CORS_ALLOW_ORIGINS).
            allowed_origins=allowed_origins,
        )
        self.limits = limits
        self.socket_limits = socket_limits or SocketLimits()
        self.max_subscriptions_per_connection = self.socket_limits.max_operations
        # Open sockets by client address (an IPv6 one by its /64, as the rate limits count),
        # in this process.
        self._open_sockets: Counter[str] = Counter()
        self.upload_operations = UploadOperations.of(schema._schema, max_tokens=limits.max_tokens)
        self.persisted = persisted if persisted is not None else PersistedQueries()
        self.get_max_age = get_max_age
        # ETags of GET answers name this process: another one's write generations differ.
        self._etag_prefix = secrets.token_hex(6)

    # --- HTTP ----------------------------------------------------------------------------------

    def _body_limit(self, scope: Scope) -> int:
        headers = dict(scope.get("headers") or [])
        if is_multipart(headers.get(b"content-type", b"").decode("latin-1")):
            return self.limits.max_upload_bytes + FRAMING_ALLOWANCE
        return self.limits.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._serve_socket(scope, receive, send)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        limit = self._body_limit(scope)
        headers = dict(scope.get("headers") or [])
        media_type = response_media_type(headers.get(b"accept", b"").decode("latin-1"))
        scope.setdefault("state", {})[_MEDIA_STATE] = media_type
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _error_response(
                413, f"Request body exceeds {limit} bytes", "too_large", media_type
            )(scope, receive, send)
            return
        if scope.get("method") == "GET":
            if len(scope.get("query_string", b"")) > self.limits.max_body_bytes:
                await _error_response(
                    414,
                    f"The URL's query exceeds {self.limits.max_body_bytes} bytes",
                    "too_large",
                    media_type,
                )(scope, receive, send)
                return
            authenticated = b"authorization" in headers
            if not authenticated:  # what ran decides the cache headers, cached or not
                scope["state"][_ANSWER_STATE] = AnswerNote()
            send = self._with_get_cache_headers(scope, send, authenticated)
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
            cache = self._answer_cache(scope, declared)
            if cache is not None:
                await self._serve_cached(scope, limited_receive, send, cache)
            elif self._is_large_document(scope, declared):
                # The whole body first: a client sending it slowly must not hold the turn.
                replay = await _read_body(limited_receive)
                if replay is None:
                    return  # the client went away
                async with loop_gate("graphql-large-requests", LARGE_REQUEST_SLOTS):
                    await super().__call__(scope, replay, send)
            else:
                await super().__call__(scope, limited_receive, send)
        except _BodyTooLarge:
            # Strawberry reads the whole body before it answers, so nothing was sent yet.
            await _error_response(
                413, f"Request body exceeds {limit} bytes", "too_large", media_type
            )(scope, receive, send)

    def _with_get_cache_headers(self, scope: Scope, send: Send, authenticated: bool) -> Send:
        """Cache headers on a GraphQL answer to GET (registry/graphql/over_http.py): public
        for `get_max_age` seconds when an anonymous query ran (or was answered from memory)
        without errors, with an ETag when the answer cache gave one; else not to be kept."""
        state = scope.setdefault("state", {})

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                media = headers.get("content-type", "").split(";", 1)[0].strip()
                if media in (JSON, GRAPHQL_RESPONSE_JSON) or message["status"] == 304:
                    note: AnswerNote | None = state.get(_ANSWER_STATE)
                    cacheable = (
                        message["status"] in (200, 304)
                        and note is not None
                        and note.is_query
                        and not note.failed
                    )
                    headers["Cache-Control"] = get_cache_control(
                        self.get_max_age, authenticated=authenticated, cacheable=cacheable
                    )
                    headers.add_vary_header("Accept")
                    headers.add_vary_header("Authorization")
                    if self.allowed_origins:  # CORS answers differ by Origin (registry/cors.py)
                        headers.add_vary_header("Origin")
                    etag = state.get(_ETAG_STATE)
                    if cacheable and etag and not authenticated and self.get_max_age > 0:
                        headers["ETag"] = etag
            await send(message)

        return send_with_headers

    @staticmethod
    def _answer_cache(scope: Scope, declared: bytes | None) -> ResponseCache | None:
        """The answer cache, when this request may be answered from it: a JSON POST of known,
        small length, or a GET with a small URL query (registry/graphql/answers.py)."""
        headers = dict(scope.get("headers") or [])
        if scope.get("method") == "GET":
            if len(scope.get("query_string", b"")) > MAX_CACHED_REQUEST_BYTES:
                return None
        elif scope.get("method") != "POST" or declared is None or not declared.isdigit():
            return None
        elif int(declared) > MAX_CACHED_REQUEST_BYTES:
            return None
        elif not headers.get(b"content-type", b"").lower().startswith(b"application/json"):
            return None
        runtime = getattr(getattr(scope.get("app"), "state", None), "runtime", None)
        cache: ResponseCache | None = getattr(runtime, "graphql_cache", None)
        return cache if cache is not None and cache.enabled else None

    async def _serve_cached(
        self, scope: Scope, receive: Receive, send: Send, cache: ResponseCache
    ) -> None:
        """Answer a repeat from `cache` (charged like the operation it repeats) when the entry
        may serve this caller; run anything else as usual, and keep the answer of a query that
        ran without errors unless it is a signed-in caller's personal one."""
        body = bytearray()
        is_get = scope.get("method") == "GET"
        while not is_get:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        pending: list[Message] = [] if is_get else [{"type": "http.request", "body": bytes(body)}]

        async def replay() -> Message:
            return pending.pop() if pending else await receive()

        key = self._answer_key(scope, bytes(body))
        if key is None:
            await super().__call__(scope, replay, send)
            return
        headers = dict(scope.get("headers") or [])
        credential = b"authorization" in headers
        try:
            # Checked (and kept on the request's state for `get_context`) before any answer.
            actor = await optional_actor(Request(scope, replay)) if credential else None
        except Exception:  # an outage: `run` resolves the caller again and answers 503
            await super().__call__(scope, replay, send)
            return
        signed_in = actor is not None and actor.is_authenticated
        if actor is not None:
            key = class_key(key, actor)
        state = scope.setdefault("state", {})
        media_type = _media_type(scope)
        note = AnswerNote()
        state[_ANSWER_STATE] = note
        etag = f'"{self._etag_prefix}.{cache.generation}.{key.rpartition(":")[2]}.{media_type}"'
        state[_ETAG_STATE] = etag
        entry = cache.get(key)
        shared, charges, answer = unpack(entry) if entry is not None else (False, {}, b"")
        if entry is not None and (shared or not signed_in):
            note.is_query = True  # only a query's answer is kept
            status = 200
            budgets = request_charges(scope)
            if charges and budgets is not None:
                try:
                    await budgets.charge(charges)
                except RateLimited as error:
                    note.failed = True
                    answer = rate_limited_body(error)
                    if media_type == GRAPHQL_RESPONSE_JSON:  # a request error: no `data`
                        answer = json.dumps({"errors": json.loads(answer)["errors"]}).encode()
                        status = 429
            if (
                is_get
                and not credential  # only anonymous GETs are given the ETag
                and not note.failed
                and etag_matches(headers.get(b"if-none-match", b"").decode("latin-1"), etag)
            ):
                await Response(status_code=304)(scope, replay, send)
                return
            await Response(answer, status_code=status, media_type=content_type(media_type))(
                scope, replay, send
            )
            return
        generation = cache.generation
        status = 0
        sent = bytearray()
        keep = True

        async def capture(message: Message) -> None:
            nonlocal status, keep
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body" and keep:
                sent.extend(message.get("body", b""))
                keep = len(sent) <= MAX_CACHED_ANSWER_BYTES
            await send(message)

        await super().__call__(scope, replay, capture)
        if keep and status == 200 and note.is_query and not note.failed:
            if not (signed_in and note.personal):
                cache.put(
                    key, pack(note.charges, bytes(sent), shared=not note.personal), generation
                )

    def _answer_key(self, scope: Scope, body: bytes) -> str | None:
        """The answer cache's key of a request (registry/graphql/answers.py), or None when it
        may not be cached. A POST of a plain document is keyed on its body as sent; a GET, or
        a request naming a persisted query, on the document it runs and its variables."""
        if scope.get("method") == "POST":
            key = answer_key(body, self.limits)
            if key is not None:
                return key
            try:
                fields = load_json(body, "invalid JSON", storable=False)
            except InvalidInput:
                return None
        else:
            fields = _get_request_fields(scope)
        if not isinstance(fields, dict) or not set(fields) <= _REQUEST_FIELDS:
            return None
        extensions = fields.get("extensions")
        if not isinstance(extensions, dict | None) or set(extensions or ()) - {"persistedQuery"}:
            return None
        try:
            query = self.persisted.resolve(fields.get("query"), extensions)
        except (PersistedQueryNotFound, PersistedQueryRefused):
            return None  # answered by `run`, never kept
        document = {
            "query": query,
            "variables": fields.get("variables"),
            "operationName": fields.get("operationName"),
        }
        try:
            canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
        except (TypeError, ValueError):
            return None
        return answer_key(canonical.encode(), self.limits)

    @staticmethod
    def _is_large_document(scope: Scope, declared: bytes | None) -> bool:
        """A JSON (not multipart) body over `LARGE_REQUEST_BYTES`, or of unknown length."""
        if scope.get("method") != "POST":
            return False
        content_type = dict(scope.get("headers") or []).get(b"content-type", b"")
        if is_multipart(content_type.decode("latin-1")):
            return False  # an upload streams to disk; its operation is checked before that
        return declared is None or not declared.isdigit() or int(declared) > LARGE_REQUEST_BYTES

    def decode_json(self, data: str | bytes) -> object:
        """Strawberry answers 400 (or closes a websocket) only on JSONDecodeError; the other
        ways JSON fails (domain/jsontext.py) would be a 500."""
        try:
            # Unstorable strings in variables get a typed GraphQL error from the text guard.
            return load_json(data, "invalid JSON", storable=False)
        except InvalidInput as error:
            text = data if isinstance(data, str) else data.decode("utf-8", "replace")
            raise json.JSONDecodeError(error.message, text, 0) from None

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        if isinstance(request, WebSocket):
            return await super().run(request, context, root_value)
        media_type = _media_type(request.scope)
        try:
            response = await super().run(request, context, root_value)
        except DomainError as error:  # refused multipart bodies (and their callers)
            status = status_for(error)
            response = _error_response(status, error.message, error.code, media_type)
            if status == 401:
                response.headers["WWW-Authenticate"] = "Bearer"
            return response
        except HTTPException as error:  # Strawberry's own refusals, as JSON like the rest
            # 405: a mutation over GET (see `execute_single`), or another method.
            allowed = "POST" if request.method == "GET" else "GET, POST"
            allow = {"Allow": allowed} if error.status_code == 405 else None
            return _error_response(
                error.status_code, error.reason, "bad_request", media_type, allow
            )
        except PersistedQueryNotFound:
            # Apollo's clients retry with the full text on this answer. In the legacy media
            # type its status is 200 (as Apollo Server 2-3 answer it); in
            # application/graphql-response+json, where an answer without `data` is a request
            # error, 404 (as Apollo Server 4 and Apollo Router answer it). Apollo Client's link
            # gives persisted queries up only on 400 or 500.
            return _error_response(
                404 if media_type == GRAPHQL_RESPONSE_JSON else 200,
                NOT_FOUND_MESSAGE,
                PERSISTED_QUERY_NOT_FOUND,
                media_type,
                {"Cache-Control": "no-store"},
            )
        except PersistedQueryRefused as error:
            return _error_response(400, error.message, error.code, media_type)
        except Exception as error:  # an outage before execution (the caller's token lookup)
            backend = unavailable_backend(error)
            if backend is None:
                raise
            log_outage(request, backend, error)
            return _error_response(
                503,
                unavailable_message(backend),
                SERVICE_UNAVAILABLE,
                media_type,
                {"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        finally:
            uploads: GraphQLMultipart | None = getattr(request.state, _UPLOADS_STATE, None)
            if uploads is not None:
                uploads.discard()
        if media_type == GRAPHQL_RESPONSE_JSON and isinstance(response, Response):
            if response.headers.get("content-type", "").startswith(JSON):
                response.headers["content-type"] = content_type(GRAPHQL_RESPONSE_JSON)
                response.status_code = getattr(request.state, _STATUS_STATE, response.status_code)
        return response

    def should_render_graphql_ide(self, request: Any) -> bool:
        """GraphiQL for a browser's GET without an operation; a GET naming a persisted query
        (`extensions` without `query`) is an operation."""
        return super().should_render_graphql_ide(request) and not request.query_params.get(
            "extensions"
        )

    async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> Any:
        """The request's operation, with the document a persisted query names in place."""
        data = await super().parse_http_body(request)
        if isinstance(data, GraphQLRequestData):
            data.query = self.persisted.resolve(data.query, data.extensions)
        return data

    async def execute_single(
        self,
        request: Any,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Any,
        context: Any,
        root_value: Any,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        """A mutation (or subscription) over GET is refused with 405 (and `Allow: POST`, see
        `run`) as GraphQL over HTTP says, not with Strawberry's 400."""
        failed = True
        try:
            result = await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
            failed = bool(getattr(result, "errors", None))
            return result
        except HTTPException as error:
            if request_adapter.method == "GET" and isinstance(
                error.__cause__, InvalidOperationTypeError
            ):
                raise HTTPException(405, error.reason) from error
            raise
        finally:
            count_graphql_operation(request_data.operation_name, failed=failed)

    async def parse_multipart(self, request: AsyncHTTPRequestAdapter) -> dict[str, str]:
        """Multipart is for uploads only, so nothing of the body is read for a caller who could
        not upload: the credential is checked first (401), then the `operations` part must
        select an upload mutation (400) before any file part is spooled."""
        assert isinstance(request, _RequestAdapter)
        starlette_request = request.starlette_request
        await required_actor(starlette_request)
        registry = starlette_request.app.state.runtime.ctx

        def check(operations: dict[str, Any]) -> None:
            # A persisted upload mutation is checked as the document it names.
            operations["query"] = self.persisted.resolve(
                operations.get("query"), operations.get("extensions")
            )
            self.upload_operations.check(operations)

        uploads = await read_graphql_multipart(
            request.content_type or "",
            starlette_request.stream(),
            registry.new_upload_path,
            self.limits.max_upload_bytes,
            check,
        )
        setattr(starlette_request.state, _UPLOADS_STATE, uploads)
        return uploads.operations

    # --- context -------------------------------------------------------------------------------

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> GraphQLContext:
        runtime = request.app.state.runtime
        if isinstance(request, WebSocket):
            # Authenticated in `connection_init` (on_ws_connect), from the token given there or
            # else from the handshake's Authorization header.
            return GraphQLContext(
                registry=runtime.ctx,
                actor=_anonymous(request),
                limits=self.limits,
                connection=request,
                response=response,
                credential=bearer_token(request),
            )
        actor = await optional_actor(request)
        note: AnswerNote | None = getattr(request.state, _ANSWER_STATE, None)
        # The rate-limit middleware's charges for this request (when limits are on): the
        # operation adds the budgets of what it does to them (schema.core.charging).
        return GraphQLContext(
            registry=runtime.ctx,
            # An answer that may be kept notes whether it read who the caller is.
            actor=actor if note is None else watched(actor, note),
            limits=self.limits,
            connection=request,
            response=response,
            charges=request_charges(request.scope),
            answer_note=note,
        )

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        if result.errors:
            note: AnswerNote | None = getattr(request.state, _ANSWER_STATE, None)
            if note is not None:
                note.failed = True  # never kept (registry/graphql/answers.py)
        processed = await super().process_result(request, result)
        request_id = REQUEST_ID.get()
        if request_id:
            # Errors from before the operation ran (a document that does not parse) miss the
            # schema's rewrite (schema/core/errors.py): they name the request here.
            for error in cast(list[dict[str, Any]], processed.get("errors") or []):
                error["extensions"] = naming_request(error.get("extensions"), request_id)
        if _media_type(request.scope) == GRAPHQL_RESPONSE_JSON:
            status = request_error_status(result.data, result.errors)
            if status is not None:  # nothing executed: no `data` entry (over_http.py)
                processed.pop("data", None)
                setattr(request.state, _STATUS_STATE, status)
        return processed

    # --- WebSocket -----------------------------------------------------------------------------

    async def _serve_socket(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Admit a WebSocket: at most `max_sockets_per_ip` open at once per client address (in
        this process), and each new one costs a `read` of the address's budget. A refused one
        is accepted and closed at once with 4429 and the reason (a refused handshake would
        only tell the client 403)."""
        socket = WebSocket(scope, receive, send)
        address = ip_identity(socket.client.host if socket.client else None)
        self._open_sockets[address] += 1  # counted before any await: no burst slips past
        try:
            refusal = None
            if self._open_sockets[address] > self.socket_limits.max_sockets_per_ip:
                refusal = (
                    f"At most {self.socket_limits.max_sockets_per_ip} open connections per address"
                )
            else:
                refusal = await _charge_connection(socket, address)
            if refusal is not None:
                await socket.accept(subprotocol=await self.pick_websocket_subprotocol(socket))
                await socket.close(CLOSE_TOO_MANY, refusal)
                return
            await super().__call__(scope, receive, send)
        finally:
            self._open_sockets[address] -= 1
            if self._open_sockets[address] <= 0:
                del self._open_sockets[address]

    async def on_ws_connect(self, context: GraphQLContext) -> Any:
        """A browser cannot set headers on a WebSocket: GraphiQL and graphql-ws clients send
        `{"Authorization": "Bearer ..."}` in `connection_init` instead (it wins over the
        handshake's header). A token that is presented but refused closes the connection
        (4403) rather than going anonymous, and counts as a failed authentication of the
        address. The token is kept: the socket re-checks it while it lives."""
        params = context.connection_params or {}
        header = next(
            (
                value
                for key, value in params.items()
                if isinstance(key, str) and key.lower() == "authorization"
            ),
            None,
        )
        if header is not None:
            if not isinstance(header, str):
                raise ConnectionRejectionError({"message": "Authorization must be a string"})
            context.credential = parse_bearer(header)
            if context.credential is None:
                await _charge_auth_failure(context.connection)
                raise ConnectionRejectionError({"message": "Not authenticated"})
        if context.credential is None:
            return await super().on_ws_connect(context)
        outcome = await self.recheck_credential(context)
        if outcome.error is not None or not outcome.actor.is_authenticated:
            await _charge_auth_failure(context.connection)
            raise ConnectionRejectionError({"message": outcome.error or "Not authenticated"})
        context.actor = outcome.actor
        context.credential_expires_at = outcome.expires_at
        context.loaders.clear()
        return await super().on_ws_connect(context)

    async def recheck_credential(self, context: GraphQLContext, *, touch: bool = True) -> Recheck:
        """The socket's caller as of now, resolved exactly as an HTTP request's would be
        (`touch` False: a periodic re-check, not a use of the token)."""
        connection: WebSocket = context.connection
        outcome = await authenticate_bearer(
            context.credential,
            connection.app.state.settings.jwt_secret,
            admins=connection.app.state.settings.admin_users,
            request_id=context.actor.request_id,
            ip=context.actor.ip,
            touch=touch,
        )
        error = outcome.error or expiry_problem(outcome.expires_at, time.time())
        return Recheck(outcome.actor, error, outcome.expires_at)

    async def charge_message(self, context: GraphQLContext, charges: dict[str, int]) -> None:
        """Charge one socket message to the caller's budgets: the user's when authenticated,
        else the address's (raises RateLimited over budget)."""
        limiter = _limiter(context.connection)
        if limiter is None:
            return
        actor = context.actor
        identity = user_identity(actor.user_id) if actor.user_id else ip_identity(actor.ip)
        await RequestCharges(limiter, identity).charge(charges)


def _get_request_fields(scope: Scope) -> dict[str, Any] | None:
    """A GET's operation from its URL parameters, `variables` and `extensions` decoded (as
    Strawberry reads them); None when one of those is not JSON."""
    fields: dict[str, Any] = dict(QueryParams(scope.get("query_string", b"")))
    for name in ("variables", "extensions"):
        if fields.get(name):
            try:
                fields[name] = load_json(fields[name], "invalid JSON", storable=False)
            except InvalidInput:
                return None
    return fields


def _anonymous(connection: HTTPConnection) -> Actor:
    return Actor(
        request_id=getattr(connection.state, "request_id", ""),
        ip=connection.client.host if connection.client else "",
    )


def _limiter(connection: HTTPConnection) -> RateLimiter | None:
    """The app's rate limiter (registry/app.py), when limits are on."""
    limiter = getattr(connection.app.state, "rate_limiter", None)
    return limiter if limiter is not None and limiter.enabled else None


async def _charge_connection(connection: HTTPConnection, key: str) -> str | None:
    """Charge a new socket to its address's `read` budget (`key`: its ip_identity); why it
    is refused, if it is."""
    limiter = _limiter(connection)
    if limiter is None:
        return None
    state, failures = await limiter.admit("read", key, key)
    if failures.exhausted:
        return (
            "Too many failed authentication attempts from your address; retry in "
            f"{failures.retry_after} s"
        )
    if state.over:
        return f"Rate limit exceeded for read requests; retry in {state.retry_after} s"
    return None


async def _charge_auth_failure(connection: HTTPConnection) -> None:
    limiter = _limiter(connection)
    if limiter is not None:
        await limiter.hit("auth_failure", ip_identity(_anonymous(connection).ip))


def graphql_routes(settings: Any) -> list[BaseRoute]:
    """/graphql (HTTP and WebSocket) and the GraphiQL assets, built for these settings."""
    limits = GraphQLLimits.from_settings(settings)
    view = RegistryGraphQL(
        schema,
        limits,
        SocketLimits.from_settings(settings),
        persisted=PersistedQueries(load_manifest()),
        get_max_age=settings.graphql_get_max_age_seconds,
        allowed_origins=settings.cors_allow_origins,
    )
    routes: list[BaseRoute] = [
        Route("/graphql", endpoint=view, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", endpoint=view),
    ]
    if limits.ide:
        with contextlib.suppress(RuntimeError):  # assets missing: the page itself says so
            routes.insert(0, Mount("/graphql/static", app=graphiql_static_app()))
    return routes
