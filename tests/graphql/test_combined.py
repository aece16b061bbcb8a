"""The protections run as one extension (schema/core/combined.py), entered by the schema's own
runner (`RegistrySchema.create_extensions_runner`): the parts' hooks in Strawberry's order,
the stage's work in between, and an exception seen by every started hook."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import OperationContextManager

from schema.core.combined import CombinedRunner, combine
from schema.schema import schema

LOG: list[str] = []


class First(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        LOG.append("first operation in")
        try:
            yield
        except GeneratorExit:
            LOG.append("first operation closed")
            raise
        LOG.append("first operation out")

    def on_execute(self) -> Iterator[None]:
        LOG.append("first execute in")
        yield
        LOG.append("first execute out")


class Second(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        LOG.append("second operation in")
        try:
            yield
        except GeneratorExit:
            LOG.append("second operation closed")
            raise
        LOG.append("second operation out")

    async def on_execute(self) -> AsyncIterator[None]:
        LOG.append("second execute in")
        yield
        LOG.append("second execute out")


def runner_for(*parts: type[SchemaExtension]) -> CombinedRunner:
    combined = combine(*parts)()
    context: Any = object()
    combined.execution_context = context
    return CombinedRunner(context, [combined])


async def test_stages_run_the_parts_hooks_in_strawberrys_order() -> None:
    LOG.clear()
    runner = runner_for(First, Second)
    async with runner.operation():
        async with runner.parsing():  # no part hooks parsing: nothing runs
            LOG.append("parse")
        async with runner.executing():
            LOG.append("execute")
    assert LOG == [
        "first operation in",
        "second operation in",
        "parse",
        "first execute in",
        "second execute in",
        "execute",
        "second execute out",
        "first execute out",
        "second operation out",
        "first operation out",
    ]


async def test_an_exception_closes_every_started_hook_and_propagates() -> None:
    LOG.clear()
    runner = runner_for(First, Second)
    with pytest.raises(ValueError, match="boom"):
        async with runner.operation():
            raise ValueError("boom")
    assert LOG == [
        "first operation in",
        "second operation in",
        "second operation closed",
        "first operation closed",
    ]
    LOG.clear()
    with pytest.raises(ValueError, match="boom"), runner.operation():  # the synchronous path
        raise ValueError("boom")
    assert LOG[-2:] == ["second operation closed", "first operation closed"]


def test_an_async_hook_cannot_run_synchronously() -> None:
    LOG.clear()
    with pytest.raises(RuntimeError, match="synchronously"), runner_for(First, Second).executing():
        pass
    assert LOG == []


def test_other_extension_lists_keep_strawberrys_runner() -> None:
    context: Any = object()
    extensions = [First(), Second()]
    assert isinstance(CombinedRunner(context, extensions).operation(), OperationContextManager)


def test_the_registry_schema_uses_the_combined_runner() -> None:
    extensions = schema.get_extensions()
    context: Any = object()
    runner = schema.create_extensions_runner(context, extensions)
    assert isinstance(runner, CombinedRunner)
    assert not isinstance(runner.operation(), OperationContextManager)
