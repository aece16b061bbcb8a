"""The schema's extensions run as one.

Strawberry builds, per request, a context manager per extension and lifecycle stage: it looks
every hook up on every extension (with `inspect` checks), wraps each one it finds in
`contextlib.contextmanager` and enters them through an `ExitStack`. With the registry's
eleven protections (schema/schema.py) that bookkeeping cost more per request than the
`{ package(name) { name } }` query it guards.

`combine(*parts)` makes one extension class that runs the parts' hooks itself, in exactly
Strawberry's order: at each stage, the parts that implement its hook in the order given up
to their `yield`, then the stage's work, then the rest of each hook in reverse order. Each
part is still its own extension object (one per request, as before), seeing the same
execution context. Hooks must be generator functions (async ones only for `on_execute`),
which is checked when the class is made.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any, ClassVar

from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionContext

SYNC_HOOKS = ("on_operation", "on_parse", "on_validate", "on_stream_result")
ASYNC_HOOKS = ("on_execute",)


def _implements(part: type[SchemaExtension], hook: str) -> bool:
    return getattr(part, hook) is not getattr(SchemaExtension, hook)


class CombinedExtension(SchemaExtension):
    parts: ClassVar[tuple[type[SchemaExtension], ...]] = ()
    # Per hook, the positions of the parts that implement it.
    _hooked: ClassVar[dict[str, tuple[int, ...]]] = {}

    def __init__(self) -> None:
        self._parts = [part() for part in self.parts]

    @property
    def execution_context(self) -> ExecutionContext:
        return self._execution_context

    @execution_context.setter
    def execution_context(self, context: ExecutionContext) -> None:
        self._execution_context = context
        for part in self._parts:
            part.execution_context = context

    def _sync_stage(self, hook: str, *args: Any) -> Iterator[None]:
        started: list[Generator[Any, None, None]] = []
        for index in self._hooked[hook]:
            running = getattr(self._parts[index], hook)(*args)
            next(running)
            started.append(running)
        try:
            yield
        except BaseException:
            for running in reversed(started):
                running.close()
            raise
        for running in reversed(started):
            next(running, None)

    def on_operation(self) -> Iterator[None]:
        yield from self._sync_stage("on_operation")

    def on_parse(self) -> Iterator[None]:
        yield from self._sync_stage("on_parse")

    def on_validate(self) -> Iterator[None]:
        yield from self._sync_stage("on_validate")

    def on_stream_result(self, result: Any) -> Iterator[None]:
        yield from self._sync_stage("on_stream_result", result)

    async def on_execute(self) -> AsyncIterator[None]:
        started: list[Any] = []
        for index in self._hooked["on_execute"]:
            running: Any = self._parts[index].on_execute()
            if inspect.isasyncgen(running):
                await anext(running)
            else:
                next(running)
            started.append(running)
        try:
            yield
        except BaseException:
            for running in reversed(started):
                await running.aclose() if inspect.isasyncgen(running) else running.close()
            raise
        for running in reversed(started):
            if inspect.isasyncgen(running):
                await anext(running, None)
            else:
                next(running, None)


def combine(*parts: type[SchemaExtension]) -> type[CombinedExtension]:
    """One extension class running `parts` (extension classes) in this order."""
    hooked: dict[str, tuple[int, ...]] = {}
    for hook in (*SYNC_HOOKS, *ASYNC_HOOKS):
        hooked[hook] = tuple(i for i, part in enumerate(parts) if _implements(part, hook))
        for index in hooked[hook]:
            function = getattr(parts[index], hook)
            allowed = inspect.isgeneratorfunction(function) or (
                hook in ASYNC_HOOKS and inspect.isasyncgenfunction(function)
            )
            if not allowed:
                raise TypeError(f"{parts[index].__name__}.{hook} must be a generator function")
    for part in parts:
        if part._implements_resolve() or part.get_results is not SchemaExtension.get_results:
            raise TypeError(f"{part.__name__}: resolve and get_results are not combined")
    return type(
        "CombinedExtensions",
        (CombinedExtension,),
        {"parts": parts, "_hooked": hooked, "__doc__": CombinedExtension.__doc__},
    )
