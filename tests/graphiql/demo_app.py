"""A tiny registry-shaped ASGI app exercising the self-hosted GraphiQL wiring end to end."""

import asyncio
from collections.abc import AsyncGenerator

import strawberry
from starlette.applications import Starlette
from starlette.routing import Mount, Route, WebSocketRoute
from strawberry.types import Info

from schema.graphiql import SelfHostedGraphiQL, graphiql_static_app

TICK_INTERVAL_SECONDS = 0.05


def build_demo_schema(greeting: str) -> strawberry.Schema:
    """`hello` returns ``greeting``; `ticks` streams a few messages that end with it.

    ``greeting`` is chosen by each test so that seeing it in the browser proves a real round trip.
    """

    @strawberry.type
    class Query:
        @strawberry.field
        def hello(self) -> str:
            return greeting

    @strawberry.type
    class Subscription:
        @strawberry.subscription
        async def ticks(self, info: Info, count: int = 3) -> AsyncGenerator[str, None]:
            # Echo who the WebSocket connection_init payload says we are: proves GraphiQL's
            # headers editor reaches subscriptions too.
            params = info.context.get("connection_params") or {}
            caller = params.get("X-Demo-User", "anonymous")
            for tick in range(1, count + 1):
                yield f"tick {tick} of {count} for {caller}: {greeting}"
                await asyncio.sleep(TICK_INTERVAL_SECONDS)

    return strawberry.Schema(query=Query, subscription=Subscription)


def build_demo_app(greeting: str, *, graphql_ide_enabled: bool = True) -> Starlette:
    """The demo schema at /graphql (HTTP and WebSocket) plus the GraphiQL assets, wired like the
    registry app is expected to wire them."""
    view = SelfHostedGraphiQL(
        build_demo_schema(greeting), graphql_ide="graphiql" if graphql_ide_enabled else None
    )
    return Starlette(
        routes=[
            Mount("/graphql/static", app=graphiql_static_app()),
            Route("/graphql", endpoint=view),
            WebSocketRoute("/graphql", endpoint=view),
        ]
    )
