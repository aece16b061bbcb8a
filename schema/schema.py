"""The GraphQL schema: the root types assembled from every part, and its protections.

One schema object serves every app: the limits configured for an app travel in each request's
context (`GraphQLContext.limits`) and the protection extensions read them from there.
"""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from schema.admin.schema import AdminMutations, AdminQueries
from schema.artifacts.schema import ArtifactMutations, ArtifactQueries
from schema.core.caching import CachedValidation, DocumentCache
from schema.core.charging import OperationCharges
from schema.core.combined import CombinedRunner, combine
from schema.core.cost import QueryCostLimiter
from schema.core.errors import RegistryErrors, log_unexpected
from schema.core.plain_fields import call_plain_methods_directly, resolve_plain_fields_directly
from schema.core.protection import (
    AliasLimit,
    DepthLimit,
    IntrospectionSwitch,
    SubscriptionsOverWebSocketOnly,
    TimeBudget,
    TokenLimit,
)
from schema.core.scalars import SCALARS
from schema.core.text_guard import UnstorableTextGuard
from schema.packages.schema import PackageMutations, PackageQueries
from schema.packages.subscriptions import PackageSubscriptions
from schema.publishers.schema import PublisherMutations, PublisherQueries
from schema.reports.schema import ReportMutations, ReportQueries
from schema.resolve.schema import ResolveQueries
from schema.stats.schema import StatsQueries
from schema.tokens.schema import TokenMutations
from schema.transfers.schema import TransferMutations, TransferQueries
from schema.users.schema import UserQueries
from schema.webhooks.schema import WebhookMutations, WebhookQueries


@strawberry.type(
    description="Everything that can be read. Objects the caller may not see are "
    "null or absent, exactly as if they did not exist."
)
class Query(
    PackageQueries,
    PublisherQueries,
    ArtifactQueries,
    UserQueries,
    AdminQueries,
    ResolveQueries,
    StatsQueries,
    ReportQueries,
    TransferQueries,
    WebhookQueries,
):
    node: relay.Node | None = relay.node(
        description="Any object by its global id; null when it does not exist or the caller "
        "may not see it."
    )


@strawberry.type(
    description="Everything that can be changed. Expected failures come back in "
    "each payload's `errors`; nothing is changed when there are any."
)
class Mutation(
    PackageMutations,
    PublisherMutations,
    TokenMutations,
    ArtifactMutations,
    AdminMutations,
    ReportMutations,
    TransferMutations,
    WebhookMutations,
):
    pass


@strawberry.type(description="Live events over WebSocket (graphql-transport-ws).")
class Subscription(PackageSubscriptions):
    pass


class RegistrySchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Expected errors (validation, limits, domain refusals) are answers, not incidents:
        # only unexpected exceptions are logged, with their traceback and the request id.
        log_unexpected(errors, execution_context)

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> CombinedRunner:
        # The combined extension's stages are entered as plain calls (schema/core/combined.py).
        return CombinedRunner(execution_context, extensions)


# Order matters: tokens are counted while parsing (parsed documents are cached); the limits add
# their validation rules when the operation starts; cost and fragment expansion are checked
# before any validation rule walks the document; then validation runs (cached); a valid
# operation is charged to its rate-limit budgets just before it executes.
EXTENSIONS = (
    TokenLimit,
    DocumentCache,
    DepthLimit,
    AliasLimit,
    IntrospectionSwitch,
    SubscriptionsOverWebSocketOnly,
    UnstorableTextGuard,
    QueryCostLimiter,
    CachedValidation,
    OperationCharges,
    RegistryErrors,
)

schema = RegistrySchema(
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    # Run as one extension: the same hooks in the same order, without Strawberry's
    # bookkeeping per extension and stage (schema/core/combined.py).
    extensions=[combine(*EXTENSIONS)],
    execution_context_class=TimeBudget,
    config=StrawberryConfig(scalar_map=SCALARS),
)
resolve_plain_fields_directly(schema._schema)
call_plain_methods_directly(schema)
