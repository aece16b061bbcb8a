"""graphql-transport-ws with every message's shape checked before Strawberry handles it.

Strawberry's handler checks only that the keys it reads exist (it catches KeyError): a JSON
array as a message, a `subscribe` whose payload is a string or whose id is a list raise
TypeError inside the connection's task, which then dies without a close frame. The protocol
says an invalid message closes the socket with 4400; that is what happens here instead.

A query that does not parse is closed the same way, with the parser's message: Strawberry's
streaming path raises the syntax error inside the task (logging a traceback and sending a bare
`complete`). It is parsed under the same size and token limits as over HTTP.
"""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError, parse
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)

from schema.core.limits import GraphQLLimits


def message_problem(message: object) -> str | None:
    """Why `message` is not a well-formed graphql-transport-ws message (None when it is)."""
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        return "A message must be a JSON object with a string 'type'"
    kind = message["type"]
    if kind in ("subscribe", "complete") and not isinstance(message.get("id"), str):
        return f"A {kind} message needs a string 'id'"
    if kind != "subscribe":
        return None
    payload = message.get("payload")
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return "A subscribe message needs a payload object with a string 'query'"
    if not isinstance(payload.get("variables") or {}, dict):
        return "'variables' must be an object"
    if not isinstance(payload.get("operationName") or "", str):
        return "'operationName' must be a string"
    return None


def query_problem(query: str, limits: GraphQLLimits) -> str | None:
    if len(query.encode()) > limits.max_body_bytes:
        return f"The query exceeds {limits.max_body_bytes} bytes"
    try:
        parse(query, max_tokens=limits.max_tokens)
    except GraphQLError as error:
        return error.message
    return None


class CheckedTransportWSHandler(BaseGraphQLTransportWSHandler[Any, Any]):
    async def handle_message(self, message: Any) -> None:
        problem = message_problem(message)
        if problem is None and message["type"] == "subscribe":
            limits: GraphQLLimits = self.view.limits  # type: ignore[attr-defined] - RegistryGraphQL
            problem = query_problem(message["payload"]["query"], limits)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)
