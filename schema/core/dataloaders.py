"""DataLoader plumbing: one instance of each loader per request, created on first use.

Loaders batch the lookups of one execution step into one SQL query (no N+1) and cache them for
the rest of the request. They are never shared between requests: their caches hold rows that
were visible to one caller at one moment.

A loader sees the request through `LoaderContext`: the caller, and the request's other loaders.
The GraphQL context (schema/core/context.py) is one, and it holds the `LoaderRegistry`, so
this module names only the protocol, never the context class.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from strawberry.dataloader import DataLoader
from tortoise.fields import DatetimeField
from tortoise.models import Model
from tortoise.queryset import QuerySet

from domain.actor import Actor

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
L = TypeVar("L", bound="RegistryDataLoader[Any, Any]")


class LoaderContext(Protocol):
    """What a loader may use of its request: who is asking, and the request's other loaders."""

    actor: Actor

    def loader(self, loader_class: type[L]) -> L: ...


class RegistryDataLoader(DataLoader[K, V], Generic[K, V]):
    """Base class: subclasses implement `batch_load(keys)` returning one value per key."""

    def __init__(self, context: LoaderContext) -> None:
        self.context = context
        super().__init__(load_fn=self.batch_load)

    async def batch_load(self, keys: list[K]) -> list[V]:
        raise NotImplementedError


class LoaderRegistry:
    """The request's loaders, keyed by class (Saleor's `context.dataloaders`)."""

    def __init__(self, context: LoaderContext) -> None:
        self._context = context
        self._loaders: dict[type[Any], Any] = {}

    def get(self, loader_class: type[L]) -> L:
        loader = self._loaders.get(loader_class)
        if loader is None:
            loader = loader_class(self._context)
            self._loaders[loader_class] = loader
        return loader

    def clear(self) -> None:
        """Forget every cached row (long-lived subscriptions call this per event)."""
        self._loaders.clear()


def group_by(rows: list[Any], key: str) -> dict[Any, list[Any]]:
    grouped: dict[Any, list[Any]] = {}
    for row in rows:
        grouped.setdefault(getattr(row, key), []).append(row)
    return grouped


# --- prebuilt statements -------------------------------------------------------------------

M = TypeVar("M", bound=Model)
# SQL text by (statement name, dialect, list lengths): a loader's statement differs only in
# how many placeholders its IN lists hold. Bounded: lists are bounded by the loaders' batch
# sizes, and the cache is cleared when it grows past this many shapes.
_STATEMENTS: dict[tuple[Hashable, ...], str | None] = {}
_MAX_STATEMENTS = 2048


_NATIVE, _DEFAULT, _COMPLEX = 0, 1, 2


class PlainRow:
    """A model's row as a loader read it, for reading only: each attribute is the column's
    value converted by the model's own field (as `Model._init_from_db` converts it), but only
    when it is first read. A version row carries JSON (scan report, warnings, platforms,
    requirements) and rendered pages that most queries never ask for, and building the model
    converted every column of every row: most of a package page's loader time."""

    # attribute -> (column, how it is converted, converter), per model
    _columns: dict[str, tuple[str, int, Callable[[Any], Any] | None]]

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def __getattr__(self, name: str) -> Any:  # only for attributes not converted yet
        spec = self._columns.get(name)
        if spec is None:
            raise AttributeError(name)
        column, kind, convert = spec
        value = self._raw[column]
        if convert is not None and (kind == _COMPLEX or value is not None):
            value = convert(value)
        self.__dict__[name] = value
        return value

    @property
    def pk(self) -> Any:
        return getattr(self, self._columns["pk"][0])


_PLAIN_CLASSES: dict[type[Model], type[PlainRow]] = {}


def _parsed_time(value: Any) -> Any:
    """A datetime column's value for the field's own conversion: a datetime already parsed by
    the standard library when the stored text is an ISO 8601 time with an offset (SQLite's
    column text; the ORM's pure-Python parser takes ten times as long for the same instant);
    any other value as read."""
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        if parsed.tzinfo is not None:
            return parsed
    return value


def _datetime_converter(to_python: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """The field's own conversion, of the value `_parsed_time` makes of the stored one."""

    def convert(value: Any) -> Any:
        return to_python(_parsed_time(value))

    return convert


_TIME_COLUMNS: dict[type[Model], tuple[str, ...]] = {}


def _time_columns(model: type[Model]) -> tuple[str, ...]:
    found = _TIME_COLUMNS.get(model)
    if found is None:
        found = _TIME_COLUMNS[model] = tuple(
            key
            for key, _attribute, field in model._meta.db_complex_fields
            if isinstance(field, DatetimeField)
        )
    return found


def _with_parsed_times(row: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    """The driver's row as `_init_from_db`'s keywords, its datetime columns' text already
    parsed (see `_parsed_time`)."""
    values = dict(row)
    for column in columns:
        values[column] = _parsed_time(values[column])
    return values


def _plain_class(model: type[Model]) -> type[PlainRow]:
    found = _PLAIN_CLASSES.get(model)
    if found is None:
        meta = model._meta
        columns: dict[str, tuple[str, int, Callable[[Any], Any] | None]] = {}
        for key, attribute, _field in meta.db_native_fields:
            columns[attribute] = (key, _NATIVE, None)
        for key, attribute, field in meta.db_default_fields:
            columns[attribute] = (key, _DEFAULT, field.field_type)
        for key, attribute, field in meta.db_complex_fields:
            convert: Callable[[Any], Any] = field.to_python_value
            if isinstance(field, DatetimeField):
                convert = _datetime_converter(convert)
            columns[attribute] = (key, _COMPLEX, convert)
        # `pk` names the primary key's attribute (read through the property above).
        columns["pk"] = (meta.pk_attr, _NATIVE, None)
        found = type(f"Plain{model.__name__}", (PlainRow,), {"_columns": columns})
        _PLAIN_CLASSES[model] = found
    return found


async def select_models(
    model: type[M],
    name: str,
    shape: tuple[int, ...],
    values: list[Any],
    build: Callable[[], QuerySet[M]],
    keep: Callable[[Any], bool] | None = None,
    *,
    plain: bool = False,
) -> list[M]:
    """`await build()`, but the statement's SQL text is built once per shape and reused: the
    ORM's query building (filters resolved, SQL rendered) is most of a small loader's cost.
    `values` must be the statement's parameters in the order the ORM binds them (checked the
    first time: a shape whose parameters differ always goes through the ORM). Rows are still
    the ORM's model instances, on the connection (and transaction) the model would use.
    `keep(row)`, when given, picks the rows worth a model instance: it reads the driver's row
    by column name (the ORM's own path hands it the instance's `vars`, so only columns whose
    attribute has the same name may be read). `plain`: rows read through the prebuilt
    statement are `PlainRow`s (attributes converted on first read) rather than model
    instances, for callers that only read them; they have the model's attributes, not its
    methods."""
    db = model._meta.db
    key = (name, db.capabilities.dialect, *shape)
    sql = _STATEMENTS.get(key, "")
    if sql == "":
        query = build()
        query._choose_db_if_not_chosen()
        query._make_query()
        text, params = query.query.get_parameterized_sql()
        if len(_STATEMENTS) >= _MAX_STATEMENTS:
            _STATEMENTS.clear()
        _STATEMENTS[key] = text if list(params) == list(values) else None
        found = await query
    elif sql is None:
        found = await build()
    else:
        _, rows = await db.execute_query(sql, values)
        init: Callable[..., Any] = model._init_from_db
        if plain:
            make = _plain_class(model)
            return [make(row) for row in rows if keep is None or keep(row)]  # type: ignore[misc]
        times = _time_columns(model)
        return [init(**_with_parsed_times(row, times)) for row in rows if keep is None or keep(row)]
    return found if keep is None else [row for row in found if keep(vars(row))]
