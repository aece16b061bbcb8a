"""The per-request GraphQL context: who is calling, the registry runtime, and the loaders.

Resolvers see only this object; the HTTP view (registry/graphql/view.py) builds it from the
request: the caller (`actor`, resolved from the bearer token there), the rate-limit charges, and
the scratch area where uploads are spooled (`new_upload_path`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import strawberry

from domain.actor import Actor
from domain.context import RegistryContext
from schema.core.analysis import AnswerNote
from schema.core.charging import RequestBudgets
from schema.core.dataloaders import LoaderRegistry, RegistryDataLoader
from schema.core.graphql_limits import GraphQLLimits

L = TypeVar("L", bound=RegistryDataLoader[Any, Any])


@dataclass
class GraphQLContext:
    registry: RegistryContext
    actor: Actor
    limits: GraphQLLimits = field(default_factory=GraphQLLimits)
    # The Starlette Request or WebSocket, when there is one (absent in schema-level tests).
    connection: Any = None
    response: Any = None
    # The graphql-transport-ws `connection_init` payload (Strawberry fills it in).
    connection_params: dict[str, Any] | None = None
    # A WebSocket's bearer token, kept to resolve the caller again while the socket lives
    # (registry/graphql/transport_ws.py), and when it expires (a JWT's exp, Unix time).
    credential: str | None = None
    credential_expires_at: float | None = None
    # An HTTP request's rate-limit charges, when limits are on (schema.core.charging adds the
    # operation's budgets to them); None over WebSocket, where the transport charges messages.
    charges: RequestBudgets | None = None
    # An anonymous HTTP query the view may keep (registry/graphql/answers.py): what the
    # operation turned out to be is noted here while it runs.
    answer_note: AnswerNote | None = None
    loaders: LoaderRegistry = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = LoaderRegistry(self)

    @property
    def request_id(self) -> str:
        return self.actor.request_id

    def loader(self, loader_class: type[L]) -> L:
        return self.loaders.get(loader_class)

    def new_upload_path(self) -> Path:
        return self.registry.new_upload_path()


Info = strawberry.Info[GraphQLContext, None]
