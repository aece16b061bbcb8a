"""Who may see and change what. One place for the visibility rules of REST_CONTRACT §3."""

from __future__ import annotations

from tortoise.expressions import Q

from domain.actor import Actor
from domain.exceptions import NotFound, PermissionDenied
from domain.models import Package


def is_member(actor: Actor, publisher_id: str) -> bool:
    return publisher_id in actor.publisher_ids


def can_read_private(actor: Actor, publisher_id: str) -> bool:
    """Members and admins see private packages; an API token also needs `read-private`."""
    if not actor.has_scope("read-private"):
        return False
    return actor.is_admin or is_member(actor, publisher_id)


def can_view(actor: Actor, package: Package) -> bool:
    """Named access: public and unlisted are open to anyone who names the package."""
    if package.deleted_at is not None:
        return False
    return can_view_live(actor, package.visibility,
                         package.publisher_id)  # type: ignore[attr-defined]


def can_view_live(actor: Actor, visibility: str, publisher_id: str) -> bool:
    """`can_view` for a package known to be live, from its columns (bulk reads)."""
    if visibility == "private":
        return can_read_private(actor, publisher_id)
    return True


def listed_filter(actor: Actor) -> Q:
    """Packages a listing or search may show this caller: public, plus private and unlisted
    ones of the caller's own publishers (and everything for admins)."""
    base = Q(deleted_at__isnull=True)
    if actor.is_admin and actor.has_scope("read-private"):
        return base
    own = list(actor.publisher_ids) if actor.has_scope("read-private") else []
    if own:
        return base & (Q(visibility="public") | Q(publisher_id__in=own))
    return base & Q(visibility="public")


def not_found(name: str) -> NotFound:
    return NotFound(f"Package not found: {name}")


def require_view(actor: Actor, package: Package | None, name: str) -> Package:
    if package is None or not can_view(actor, package):
        raise not_found(name)
    return package


def require_manage(actor: Actor, package: Package, scope: str) -> None:
    """Owner (a member of the owning publisher) or admin, with the action's token scope.
    A caller who cannot even see the package gets 404, not 403."""
    actor.require_user()
    require_view(actor, package, package.name)
    if not (is_member(actor, package.publisher_id) or actor.acts_as_admin):  # type: ignore[attr-defined]
        raise PermissionDenied(f"You do not own package {package.name}")
    actor.require_scope(scope, package.name)
