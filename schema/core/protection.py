"""Strawberry's limiters, configured per request from `GraphQLContext.limits`.

One schema object serves every app (Strawberry's relay fields can be built into a schema only
once), so limits cannot be fixed when the schema is built: each extension below reads them
from the request's context when the operation starts (defaults when there is none).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from graphql import GraphQLError, ValidationRule
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
from strawberry.types import ExecutionContext
from strawberry.types.graphql import OperationType

from schema.core.limits import GraphQLLimits


def limits_of(execution_context: ExecutionContext) -> GraphQLLimits:
    limits = getattr(execution_context.context, "limits", None)
    return limits if isinstance(limits, GraphQLLimits) else GraphQLLimits()


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
        super().__init__(max_depth=GraphQLLimits().max_depth)

    def on_operation(self) -> Iterator[None]:
        self.validation_rules = [_depth_rule(limits_of(self.execution_context).max_depth)]
        yield from super().on_operation()


class AliasLimit(MaxAliasesLimiter):
    """Refuses documents with more than `limits.max_aliases` aliases."""

    def __init__(self) -> None:
        super().__init__(max_alias_count=GraphQLLimits().max_aliases)

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
        if context.pre_execution_errors is None and \
                isinstance(getattr(context.context, "connection", None), Request):
            try:
                is_subscription = context.operation_type is OperationType.SUBSCRIPTION
            except RuntimeError:  # no operation to run: validation reports it
                is_subscription = False
            if is_subscription:
                context.pre_execution_errors = [GraphQLError(
                    "Subscriptions are only available over WebSocket (graphql-transport-ws)",
                    extensions={"code": "subscription_over_http"})]
        yield
