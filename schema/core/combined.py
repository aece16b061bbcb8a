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
from collections.abc import AsyncIterator, Iterator
from types import AsyncGeneratorType
from typing import Any, ClassVar

from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext

SYNC_HOOKS = ("on_operation", "on_parse", "on_validate", "on_stream_result")
ASYNC_HOOKS = ("on_execute",)


def _implements(part: type[SchemaExtension], hook: str) -> bool:
    return getattr(part, hook) is not getattr(SchemaExtension, hook)


class CombinedExtension(SchemaExtension):
    parts: ClassVar[tuple[type[SchemaExtension], ...]] = ()
    # Per hook, the positions of the parts that implement it.
    _hooked: ClassVar[dict[str, tuple[int, ...]]] = {}
    # Whether any part's `on_execute` is an async generator (no synchronous execution then).
    _async_hooked: ClassVar[bool] = False

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

    def _enter(self, hook: str, args: tuple[Any, ...]) -> list[Any]:
        """Run the parts' `hook` up to their `yield`; the started generators, in order."""
        started: list[Any] = []
        try:
            for index in self._hooked[hook]:
                running = getattr(self._parts[index], hook)(*args)
                next(running)
                started.append(running)
        except BaseException:
            _close(started)
            raise
        return started

    async def _aenter(self, hook: str) -> list[Any]:
        started: list[Any] = []
        try:
            for index in self._hooked[hook]:
                running: Any = getattr(self._parts[index], hook)()
                if isinstance(running, AsyncGeneratorType):
                    await anext(running)
                else:
                    next(running)
                started.append(running)
        except BaseException:
            await _aclose(started)
            raise
        return started

    def _sync_stage(self, hook: str, *args: Any) -> Iterator[None]:
        started = self._enter(hook, args)
        try:
            yield
        except BaseException:
            _close(started)
            raise
        _finish(started)

    def on_operation(self) -> Iterator[None]:
        yield from self._sync_stage("on_operation")

    def on_parse(self) -> Iterator[None]:
        yield from self._sync_stage("on_parse")

    def on_validate(self) -> Iterator[None]:
        yield from self._sync_stage("on_validate")

    def on_stream_result(self, result: Any) -> Iterator[None]:
        yield from self._sync_stage("on_stream_result", result)

    async def on_execute(self) -> AsyncIterator[None]:
        started = await self._aenter("on_execute")
        try:
            yield
        except BaseException:
            await _aclose(started)
            raise
        await _afinish(started)


def _close(started: list[Any]) -> None:
    for running in reversed(started):
        running.close()


def _finish(started: list[Any]) -> None:
    for running in reversed(started):
        next(running, None)


async def _aclose(started: list[Any]) -> None:
    for running in reversed(started):
        await running.aclose() if isinstance(running, AsyncGeneratorType) else running.close()


async def _afinish(started: list[Any]) -> None:
    for running in reversed(started):
        if isinstance(running, AsyncGeneratorType):
            await anext(running, None)
        else:
            next(running, None)


class _Stage:
    """One lifecycle stage of a combined extension as a plain context manager (the `with` or
    `async with` Strawberry's schema uses): the parts' hooks are called directly, with no
    `contextlib` wrapper, hook lookup or exit stack per request."""

    __slots__ = ("_args", "_extension", "_hook", "_started")

    def __init__(self, extension: CombinedExtension, hook: str, args: tuple[Any, ...] = ()):
        self._extension = extension
        self._hook = hook
        self._args = args
        self._started: list[Any] = []

    def __enter__(self) -> None:
        if self._hook in ASYNC_HOOKS and self._extension._async_hooked:
            raise RuntimeError(
                f"SchemaExtension hook {self._hook} failed to complete synchronously."
            )
        self._started = self._extension._enter(self._hook, self._args)

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if exc_type is None:
            _finish(self._started)
        else:
            _close(self._started)

    async def __aenter__(self) -> None:
        if self._hook in ASYNC_HOOKS:
            self._started = await self._extension._aenter(self._hook)
        else:
            self._started = self._extension._enter(self._hook, self._args)

    async def __aexit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        if self._hook not in ASYNC_HOOKS:
            self.__exit__(exc_type, exc, traceback)
        elif exc_type is None:
            await _afinish(self._started)
        else:
            await _aclose(self._started)


class CombinedRunner(SchemaExtensionsRunner):
    """Strawberry's extensions runner for a schema whose only extension is a combined one
    (`Schema.create_extensions_runner`): each stage is a `_Stage`. Any other list of
    extensions is run by Strawberry's own context managers."""

    def __init__(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> None:
        super().__init__(execution_context, extensions)
        only = extensions[0] if len(extensions) == 1 else None
        self._combined = only if isinstance(only, CombinedExtension) else None

    # Return types: `_Stage` stands in for Strawberry's context managers (same protocol).
    def operation(self) -> Any:
        if self._combined is None:
            return super().operation()
        return _Stage(self._combined, "on_operation")

    def parsing(self) -> Any:
        if self._combined is None:
            return super().parsing()
        return _Stage(self._combined, "on_parse")

    def validation(self) -> Any:
        if self._combined is None:
            return super().validation()
        return _Stage(self._combined, "on_validate")

    def executing(self) -> Any:
        if self._combined is None:
            return super().executing()
        return _Stage(self._combined, "on_execute")

    def on_stream_result(self, result: Any) -> Any:
        if self._combined is None:
            return super().on_stream_result(result)
        return _Stage(self._combined, "on_stream_result", (result,))

    async def get_extensions_results(self, ctx: ExecutionContext) -> dict[str, Any]:
        if self._combined is None:
            return await super().get_extensions_results(ctx)
        # `combine` refuses parts with their own results: only the context's remain.
        return dict(ctx.extensions_results)


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
        {
            "parts": parts,
            "_hooked": hooked,
            "_async_hooked": any(
                inspect.isasyncgenfunction(parts[index].on_execute)
                for index in hooked["on_execute"]
            ),
            "__doc__": CombinedExtension.__doc__,
        },
    )
