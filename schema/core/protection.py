"""Strawberry's limiters, configured per request from `GraphQLContext.limits`.

One schema object serves every app (Strawberry's relay fields can be built into a schema only
once), so limits cannot be fixed when the schema is built: each extension below reads them
from the request's context when the operation starts (defaults when there is none). The time
budget is not an extension but the schema's execution context class (`TimeBudget`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Iterator
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from graphql import ExecutionResult, GraphQLError, GraphQLObjectType, Undefined, ValidationRule
from graphql import OperationType as DocumentOperation
from graphql.execution.collect_fields import GroupedFieldSet
from graphql.pyutils import Path, gather_with_cancel
from graphql.validation import NoSchemaIntrospectionCustomRule
from starlette.requests import Request
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.extensions.max_aliases import create_validator as alias_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from domain.offload import loop_gate
from schema.core.graphql_limits import GraphQLLimits
from schema.core.plain_fields import NOT_PLAIN, PlainField

log = logging.getLogger("registry.graphql")

# The cost (schema/core/cost.py) of the operation this task is running, set when the cost limit
# measures it and read when it executes: a context variable, because every HTTP request and
# every WebSocket operation runs in its own task, and one socket may run several at once.
operation_cost: ContextVar[int] = ContextVar("graphql_operation_cost", default=0)
# Queries at least this costly (a full `checkUpdates` or `resolve` batch, many aliases of one)
# hold the event loop for tens of milliseconds each while Strawberry converts their arguments
# and completes their results. Run side by side, 16 of them keep 16 such steps queued in front
# of every cheap request (`/health` included), so at most `HEAVY_QUERY_SLOTS` execute at a
# time per process; the others wait, inside their time budget, without using CPU.
HEAVY_QUERY_COST = 1000
HEAVY_QUERY_SLOTS = 1


def limits_in(context: Any) -> GraphQLLimits:
    """The limits a request's context carries (defaults when it has none)."""
    limits = getattr(context, "limits", None)
    return limits if isinstance(limits, GraphQLLimits) else GraphQLLimits()


def limits_of(execution_context: ExecutionContext) -> GraphQLLimits:
    return limits_in(execution_context.context)


@lru_cache(maxsize=32)
def _depth_rule(max_depth: int) -> type[ValidationRule]:
    return depth_validator(max_depth, None)


@lru_cache(maxsize=32)
def _alias_rule(max_aliases: int) -> type[ValidationRule]:
    return alias_validator(max_aliases)


class TokenLimit(MaxTokensLimiter):
    """Refuses documents of more than `limits.max_tokens` tokens while parsing."""

    def __init__(self) -> None:
        super().__init__(max_token_count=GraphQLLimits().max_tokens)

    def on_operation(self) -> Iterator[None]:
        self.max_token_count = limits_of(self.execution_context).max_tokens
        yield from super().on_operation()


class DepthLimit(QueryDepthLimiter):
    """Refuses operations nested deeper than `limits.max_depth`."""

    def __init__(self) -> None:
        # Not QueryDepthLimiter's own __init__: it builds a new rule class per request.
        AddValidationRules.__init__(self, [_depth_rule(GraphQLLimits().max_depth)])

    def on_operation(self) -> Iterator[None]:
        self.validation_rules = [_depth_rule(limits_of(self.execution_context).max_depth)]
        yield from super().on_operation()


class AliasLimit(MaxAliasesLimiter):
    """Refuses documents with more than `limits.max_aliases` aliases."""

    def __init__(self) -> None:
        # Not MaxAliasesLimiter's own __init__: it builds a new rule class per request.
        AddValidationRules.__init__(self, [_alias_rule(GraphQLLimits().max_aliases)])

    def on_operation(self) -> Iterator[None]:
        self.validation_rules = [_alias_rule(limits_of(self.execution_context).max_aliases)]
        yield from super().on_operation()


class IntrospectionSwitch(AddValidationRules):
    """Refuses introspection when `limits.introspection` is off (DisableIntrospection's rule)."""

    def __init__(self) -> None:
        super().__init__([])

    def on_operation(self) -> Iterator[None]:
        enabled = limits_of(self.execution_context).introspection
        self.validation_rules = [] if enabled else [NoSchemaIntrospectionCustomRule]
        yield from super().on_operation()


class SubscriptionsOverWebSocketOnly(SchemaExtension):
    """A subscription sent as a plain HTTP request (GET or POST) is refused up front: live
    events are served over graphql-transport-ws only."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.pre_execution_errors is None and isinstance(
            getattr(context.context, "connection", None), Request
        ):
            try:
                is_subscription = context.operation_type is OperationType.SUBSCRIPTION
            except RuntimeError:  # no operation to run: validation reports it
                is_subscription = False
            if is_subscription:
                context.pre_execution_errors = [
                    GraphQLError(
                        "Subscriptions are only available over WebSocket (graphql-transport-ws)",
                        extensions={"code": "subscription_over_http"},
                    )
                ]
        yield


# Mutations whose caller went away while they ran: held here until they finish.
_FINISHING: set[asyncio.Future[Any]] = set()


class TimeBudget(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution, with a wall-time budget per query (HTTP and WebSocket alike:
    both run operations through this class): a query still running after
    `limits.max_execution_seconds` is cancelled and answers one `timeout` error.

    Only queries are cut short. They only read, so cancelling one at any await loses
    nothing: a transaction it holds rolls back, its pending loader batches and concurrently
    resolved fields are cancelled with it. A mutation is not: a publish stores a blob, then
    commits its rows, then enqueues the scan, and stopping it between two of those steps would
    leave half of the write behind. Mutations stay bounded by their cost, their rate-limit
    budget and their own input limits instead, and once started they run to completion even
    when their caller cancels them (a WebSocket `complete` for the operation, or a closed
    socket). Subscriptions run as long as the socket does.
    """

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        """graphql-core's `execute_fields`, except that a plain scalar field
        (schema/core/plain_fields.py) is read and coerced right here, without a path, a
        resolve info, resolver wrappers or completion; any other field, and a plain one whose
        value is not plain, goes graphql-core's way (`execute_field`)."""
        if self.middleware_manager is not None and self.middleware_manager.middlewares:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        fields = parent_type.fields
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, field_details_list in grouped_field_set.items():
                field_def = fields.get(field_details_list[0].node.name.value)
                if field_def is not None and type(field_def.resolve) is PlainField:
                    value = field_def.resolve.completed(source_value)
                    if value is not NOT_PLAIN:
                        results[response_name] = value
                        continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    field_details_list,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:
                field = awaitable_fields[0]
                results[field] = await results[field]
            else:
                awaited = await gather_with_cancel(*(results[f] for f in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()

    def execute_operation(self, serially: bool | None = None) -> Any:
        if (
            self.operation.operation is DocumentOperation.QUERY
            and operation_cost.get() >= HEAVY_QUERY_COST
        ):
            seconds = limits_in(self.context_value).max_execution_seconds
            return self._within_budget(self._one_of_few(serially), seconds)
        result = super().execute_operation(serially)
        if not self.is_awaitable(result):
            return result  # finished without waiting on anything
        if self.operation.operation is DocumentOperation.QUERY:
            return self._within_budget(result, limits_in(self.context_value).max_execution_seconds)
        if self.operation.operation is DocumentOperation.MUTATION:
            return self._to_completion(result)
        return result

    async def _one_of_few(self, serially: bool | None) -> Any:
        async with loop_gate("graphql-heavy-queries", HEAVY_QUERY_SLOTS):
            result = super().execute_operation(serially)
            return await result if self.is_awaitable(result) else result

    @staticmethod
    async def _to_completion(result: Awaitable[Any]) -> Any:
        writing = asyncio.ensure_future(result)
        try:
            return await asyncio.shield(writing)
        except asyncio.CancelledError:
            # The caller stops waiting; the mutation goes on to its end, held until then.
            _FINISHING.add(writing)
            writing.add_done_callback(_finished_unwatched)
            raise

    async def _within_budget(self, result: Awaitable[Any], seconds: float) -> Any:
        budget = asyncio.timeout(seconds)
        try:
            async with budget:
                return await result
        except TimeoutError:
            if not budget.expired():
                raise  # not ours (graphql-core turns a resolver's own into a field error)
        log.warning(
            "GraphQL query stopped after its %g s time budget (request %s)",
            seconds,
            getattr(self.context_value, "request_id", "") or "-",
        )
        return ExecutionResult(
            None,
            [
                GraphQLError(
                    f"The query was stopped after running for its time budget of {seconds:g} s; "
                    "ask for less at once (smaller pages, fewer items or aliases)",
                    extensions={"code": "timeout", "maxSeconds": seconds},
                )
            ],
        )


def _finished_unwatched(finished: asyncio.Future[Any]) -> None:
    _FINISHING.discard(finished)
    if not finished.cancelled() and finished.exception() is not None:
        # Nobody awaits it any more: without this its failure would go unreported.
        log.error(
            "a GraphQL mutation failed after its caller went away", exc_info=finished.exception()
        )
