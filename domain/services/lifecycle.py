"""A package's lifecycle (domain/enums.py PackageStatus): deprecated packages carry a message
and an optional successor and are named in warnings wherever they are resolved or checked
for updates; archived packages are read-only (no new versions, no changes but un-archiving).

Owners and admins change the status through the package update (REST PATCH /packages/{name},
GraphQL updatePackage); `clean_changes` validates those fields there.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from domain import changes
from domain.actor import Actor
from domain.enums import PackageStatus, Visibility
from domain.exceptions import Conflict, InvalidInput
from domain.models import Package
from domain.names import lookup_key, lookup_keys, name_key
from domain.services.access import can_view, can_view_live

LIFECYCLE_FIELDS = ("status", "deprecation_message", "successor")
MAX_DEPRECATION_MESSAGE = 1000
# Names looked up per query (PostgreSQL binds at most 32,767 parameters per statement).
_BATCH = 5_000


def is_archived(package: Package) -> bool:
    return package.status == PackageStatus.ARCHIVED


def archived_error(package: Package, what: str) -> Conflict:
    return Conflict(
        f"Package {package.name} is archived (read-only): {what}; "
        "its owner can un-archive it by setting status to active or deprecated"
    )


def require_accepts_versions(package: Package) -> None:
    """Archived packages take no new versions (409 on REST, a `conflict` error on GraphQL)."""
    if is_archived(package):
        raise archived_error(package, "no new versions are accepted")


def notice(name: str, status: str, message: str, successor: str) -> str | None:
    """The warning for a package that is not active, naming its successor; None if active."""
    if status not in (PackageStatus.DEPRECATED, PackageStatus.ARCHIVED):
        return None
    text = f"Package {name} is {status}"
    if successor:
        text += f"; use {successor} instead"
    if message:
        text += f": {message}"
    return text


def notice_of(package: Package) -> str | None:
    return notice(package.name, package.status, package.deprecation_message, package.successor)


def _message(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("deprecation_message must be a string", field="deprecation_message")
    value = value.strip()
    if len(value) > MAX_DEPRECATION_MESSAGE:
        raise InvalidInput(
            f"deprecation_message is longer than {MAX_DEPRECATION_MESSAGE} characters",
            field="deprecation_message",
        )
    return value


def may_name(
    visibility: str, publisher_id: str, successor_visibility: str, successor_publisher: str
) -> bool:
    """Whether a package (`visibility`, `publisher_id`) may name a successor: its notice is
    shown to everyone who sees the package, so the successor's name must be no secret to
    them. Public successors always; an unlisted one (not to be discovered) only by a package
    of its own publisher; a private one only by a private package of its own publisher,
    whose viewers may read it too."""
    if successor_visibility == Visibility.PUBLIC:
        return True
    if successor_publisher != publisher_id:
        return False
    return successor_visibility != Visibility.PRIVATE or visibility == Visibility.PRIVATE


async def _successor(actor: Actor, package: Package, value: object, visibility: str) -> str:
    """The successor's canonical name: an existing package the caller may see, not this
    one, that a package of `visibility` may name (`may_name`)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return ""
    if not isinstance(value, str):
        raise InvalidInput("successor must be a package name", field="successor")
    key = lookup_key(value.strip())
    if key is None:
        raise InvalidInput("successor must be a package name", field="successor")
    if key == package.name_key:
        raise InvalidInput("A package cannot be its own successor", field="successor")
    row = await Package.get_or_none(name_key=key, deleted_at__isnull=True)
    if row is None or not can_view(actor, row):
        raise InvalidInput(f"Successor not found: {value.strip()}", field="successor")
    if not may_name(visibility, package.publisher_id, row.visibility, row.publisher_id):
        raise InvalidInput(
            f"Successor {row.name} is {row.visibility}: only a package of the same publisher "
            + ("that is private too " if row.visibility == Visibility.PRIVATE else "")
            + "may name it",
            field="successor",
        )
    return str(row.name)


async def clean_changes(
    actor: Actor, package: Package, changes: dict[str, Any], *, visibility: str
) -> dict[str, Any]:
    """Validated lifecycle fields for `package` (whose visibility becomes `visibility`) from
    the present ones of an update. Going back to active clears the message and successor;
    they are refused on an active package. A successor kept while the visibility changes
    must still be one the package may name."""
    cleaned: dict[str, Any] = {}
    status = PackageStatus(changes.get("status") or package.status)
    if "status" in changes:
        cleaned["status"] = status
    if "deprecation_message" in changes:
        cleaned["deprecation_message"] = _message(changes["deprecation_message"])
    if "successor" in changes:
        cleaned["successor"] = await _successor(actor, package, changes["successor"], visibility)
    elif package.successor and visibility != package.visibility and status != PackageStatus.ACTIVE:
        row = await Package.get_or_none(
            name_key=name_key(package.successor), deleted_at__isnull=True
        )
        if row is not None and not may_name(
            visibility, package.publisher_id, row.visibility, row.publisher_id
        ):
            raise InvalidInput(
                f"Its successor {row.name} is {row.visibility}: clear or change the successor "
                f"before making the package {visibility}",
                field="visibility",
            )
    if status == PackageStatus.ACTIVE:
        for field in ("deprecation_message", "successor"):
            if cleaned.get(field):
                raise InvalidInput(f"{field} needs status deprecated or archived", field=field)
            if getattr(package, field):
                cleaned[field] = ""
    return cleaned


async def forget_as_successor(package: Package, *, using_db: Any) -> list[str]:
    """After `package` became unlisted or private: packages that name it as successor but may
    no longer (`may_name`) lose that successor, so their notices never reveal its name.
    Returns their names."""
    named_by = await (
        Package.filter(successor=package.name, deleted_at__isnull=True)
        .using_db(using_db)
        .values_list("id", "name", "visibility", "publisher_id")
    )
    cleared = [
        (int(row_id), str(name))
        for row_id, name, visibility, publisher_id in named_by
        if not may_name(visibility, publisher_id, package.visibility, package.publisher_id)
    ]
    if cleared:
        await (
            Package.filter(id__in=[row_id for row_id, _ in cleared])
            .using_db(using_db)
            .update(successor="")
        )
    return [name for _, name in cleared]


def require_editable(package: Package, changes: Iterable[str], lifecycle: dict[str, Any]) -> None:
    """An archived package's fields stay as they are unless the same change un-archives it;
    its lifecycle fields (message, successor) may still change."""
    if not is_archived(package):
        return
    if lifecycle.get("status", PackageStatus.ARCHIVED) != PackageStatus.ARCHIVED:
        return
    if any(True for _ in changes):
        raise archived_error(package, "its fields cannot change")


class _NoticeCache:
    """Per package name: its notice, visibility and publisher, or None (active or unknown),
    as last read. Resolves touch the same few names again and again; a cached answer costs
    no query. Every committed write of this process empties it (domain/changes.py), and so
    does `invalidate` (the runtime calls it when another process wrote); entries are also
    dropped after CACHE_SECONDS, so nothing outlives a missed announcement for long."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[str, str, str] | None] = {}
        self.generation = 0
        self.filled_at = time.monotonic()

    def invalidate(self) -> None:
        self.generation += 1
        self.entries = {}
        self.filled_at = time.monotonic()

    def fresh(self) -> dict[str, tuple[str, str, str] | None]:
        if time.monotonic() - self.filled_at > CACHE_SECONDS or len(self.entries) > CACHE_ENTRIES:
            self.invalidate()
        return self.entries


CACHE_SECONDS = 5.0
CACHE_ENTRIES = 50_000
_cache = _NoticeCache()
changes.subscribe(_cache.invalidate)


def invalidate() -> None:
    """Forget every cached notice (a write committed, possibly in another process)."""
    _cache.invalidate()


async def _load(keys: list[str]) -> dict[str, tuple[str, str, str] | None]:
    """(notice, visibility, publisher id) of each live package in `keys` that is not
    active; None for the others (so that they are not asked again)."""
    found: dict[str, tuple[str, str, str] | None] = dict.fromkeys(keys)
    for start in range(0, len(keys), _BATCH):
        rows = await (
            Package.filter(name_key__in=keys[start : start + _BATCH], deleted_at__isnull=True)
            .exclude(status=PackageStatus.ACTIVE)
            .values_list(
                "name",
                "visibility",
                "publisher_id",
                "status",
                "deprecation_message",
                "successor",
            )
        )
        for name, visibility, publisher_id, status, message, successor in rows:
            text = notice(name, status, message, successor)
            if text:
                found[name_key(name)] = (text, visibility, publisher_id)
    return found


async def warnings_for(actor: Actor, names: Sequence[str]) -> list[str]:
    """A warning per deprecated or archived package among `names` that the caller may see,
    in the order of `names` (one query for the names not cached; none when all are)."""
    keys = lookup_keys(list(names))
    if not keys:
        return []
    entries = _cache.fresh()
    missing = [key for key in keys if key not in entries]
    loaded: dict[str, tuple[str, str, str] | None] = {}
    if missing:
        generation = _cache.generation
        loaded = await _load(missing)
        if generation == _cache.generation:  # no write committed meanwhile
            entries.update(loaded)
    warnings = []
    for key in keys:
        entry = loaded[key] if key in loaded else entries.get(key)
        if entry is not None and can_view_live(actor, entry[1], entry[2], key):
            warnings.append(entry[0])
    return warnings
