"""A package's lifecycle (domain/enums.py PackageStatus): deprecated packages carry a message
and an optional successor and are named in warnings wherever they are resolved or checked
for updates; archived packages are read-only (no new versions, no changes but un-archiving).

Owners and admins change the status through the package update (REST PATCH /packages/{name},
GraphQL updatePackage); `clean_changes` validates those fields there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

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


async def _successor(actor: Actor, package: Package, value: object) -> str:
    """The successor's canonical name: an existing package the caller may see, not this one.
    Its name is shown to everyone who sees this package, so a private successor is accepted
    only for a private package of the same publisher (whose viewers may read it too)."""
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
    if row.visibility == Visibility.PRIVATE and not (
        package.visibility == Visibility.PRIVATE and package.publisher_id == row.publisher_id
    ):
        raise InvalidInput(
            f"Successor {row.name} is private: only a private package of the same "
            "publisher may name it",
            field="successor",
        )
    return str(row.name)


async def clean_changes(actor: Actor, package: Package, changes: dict[str, Any]) -> dict[str, Any]:
    """Validated lifecycle fields for `package` from the present ones of an update. Going
    back to active clears the message and successor; they are refused on an active package."""
    if not changes:
        return {}
    cleaned: dict[str, Any] = {}
    status = PackageStatus(changes.get("status") or package.status)
    if "status" in changes:
        cleaned["status"] = status
    if "deprecation_message" in changes:
        cleaned["deprecation_message"] = _message(changes["deprecation_message"])
    if "successor" in changes:
        cleaned["successor"] = await _successor(actor, package, changes["successor"])
    if status == PackageStatus.ACTIVE:
        for field in ("deprecation_message", "successor"):
            if cleaned.get(field):
                raise InvalidInput(f"{field} needs status deprecated or archived", field=field)
            if getattr(package, field):
                cleaned[field] = ""
    return cleaned


def require_editable(package: Package, changes: Iterable[str], lifecycle: dict[str, Any]) -> None:
    """An archived package's fields stay as they are unless the same change un-archives it;
    its lifecycle fields (message, successor) may still change."""
    if not is_archived(package):
        return
    if lifecycle.get("status", PackageStatus.ARCHIVED) != PackageStatus.ARCHIVED:
        return
    if any(True for _ in changes):
        raise archived_error(package, "its fields cannot change")


async def warnings_for(actor: Actor, names: Sequence[str]) -> list[str]:
    """A warning per deprecated or archived package among `names` that the caller may see,
    in the order of `names` (one query for all of them; none when `names` is empty)."""
    keys = lookup_keys(list(names))
    if not keys:
        return []
    found: dict[str, str] = {}
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
            if can_view_live(actor, visibility, publisher_id, name):
                text = notice(name, status, message, successor)
                if text:
                    found[name_key(name)] = text
    return [found[key] for key in keys if key in found]
