"""Who may see and change what. One place for the visibility rules of REST_CONTRACT §3, and
for what an API token's package globs leave its holder.

Private reads (a private package by name; hidden packages in listings, search and update
checks; unpublished versions) are for members of the owning publisher and for admins. A token
also needs the `read-private` scope (an admin's token reading other publishers' packages the
`admin` scope too), and a token limited by package globs reads privately only
the packages its globs match: the globs narrow every read exactly as they narrow every write.
Public packages (and unlisted ones named exactly) stay readable by anyone, that token included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from tortoise.expressions import Q

from domain.actor import Actor
from domain.enums import TokenScope, Visibility
from domain.exceptions import NotFound, PermissionDenied
from domain.models import Package


def is_member(actor: Actor, publisher_id: str) -> bool:
    return publisher_id in actor.publisher_ids


def can_read_private(actor: Actor, publisher_id: str, package_name: str | None) -> bool:
    """Whether `actor` may read what `publisher_id` hides from the public about the package
    `package_name`, or, with None, about the publisher as a whole (its hidden counters and
    verification details), which no globbed token may read. Reading another publisher's
    hidden packages is admin work: it needs the `admin` scope as well (`Actor.admin_for`)."""
    if not actor.has_scope(TokenScope.READ_PRIVATE) or not actor.may_touch_package(package_name):
        return False
    return is_member(actor, publisher_id) or actor.admin_for(package_name)


class ListedRow(Protocol):
    """What the visibility rules read of a package: a model row or a listing's plain row."""

    @property
    def deleted_at(self) -> datetime | None: ...
    @property
    def visibility(self) -> str: ...
    @property
    def publisher_id(self) -> str: ...
    @property
    def name(self) -> str: ...


def can_view(actor: Actor, package: ListedRow) -> bool:
    """Named access: public and unlisted are open to anyone who names the package."""
    if package.deleted_at is not None:
        return False
    return can_view_live(actor, package.visibility, package.publisher_id, package.name)


def can_view_live(actor: Actor, visibility: str, publisher_id: str, name: str) -> bool:
    """`can_view` for a package known to be live, from its columns (bulk reads)."""
    if visibility == Visibility.PRIVATE:
        return can_read_private(actor, publisher_id, name)
    return True


def _literal_prefix(glob: str) -> str:
    """What every name a glob matches starts with: its characters before the first wildcard
    (token globs use only package-name characters and `* ? [ ] !`)."""
    cut = next((i for i, char in enumerate(glob) if char in "*?["), len(glob))
    return glob[:cut].lower()


async def _hidden_ids_within_globs(actor: Actor, readable: Q) -> list[int]:
    """Ids of the live, non-public packages in `readable` whose names the actor's globs match.

    The globs are fnmatch patterns with character classes, which SQL LIKE cannot express and
    whose regex forms are not linear on SQLite (its REGEXP is Python's backtracking `re`): the
    database narrows the candidates by each glob's literal prefix (an indexed LIKE, escaped by
    the ORM), and the exact match is `Actor.may_touch_package`, the same test every write uses.
    The list is bounded by the hidden packages the caller could read without globs."""
    prefixes = {_literal_prefix(glob) for glob in actor.package_globs}
    query = Package.filter(readable, deleted_at__isnull=True).exclude(visibility=Visibility.PUBLIC)
    if "" not in prefixes:
        query = query.filter(
            Q(*(Q(name_key__startswith=prefix) for prefix in sorted(prefixes)), join_type="OR")
        )
    rows = await query.values_list("id", "name_key")
    return [int(package_id) for package_id, key in rows if actor.may_touch_package(str(key))]


@dataclass(frozen=True)
class ListedScope:
    """Which live packages a listing may show a caller: every public one, plus the non-public
    ones of `publisher_ids`, or the non-public `package_ids`, or (`everything`) all of them.
    One value that `listed_filter` turns into a query condition and the listing's SQL
    (domain/services/listing.py) into its WHERE clause, so both mean the same."""

    everything: bool = False
    publisher_ids: tuple[str, ...] = ()
    package_ids: tuple[int, ...] = ()

    @property
    def public_only(self) -> bool:
        return not (self.everything or self.publisher_ids or self.package_ids)


async def listed_scope(actor: Actor) -> ListedScope:
    """Packages a listing, search or update check may show this caller: public ones, plus the
    private and unlisted ones it may read privately (its own publishers', every publisher's for
    an admin credential), narrowed by a token's package globs: `can_read_private` as a query
    condition, so counts and pages never include what the caller may not see."""
    if not actor.has_scope(TokenScope.READ_PRIVATE):
        return ListedScope()
    if actor.admin_credential:
        readable = Q()  # every publisher's; the globs below still narrow a token
    elif actor.publisher_ids:
        readable = Q(publisher_id__in=sorted(actor.publisher_ids))
    else:
        return ListedScope()
    if actor.package_globs:
        return ListedScope(package_ids=tuple(await _hidden_ids_within_globs(actor, readable)))
    if actor.admin_credential:
        return ListedScope(everything=True)
    return ListedScope(publisher_ids=tuple(sorted(actor.publisher_ids)))


async def listed_filter(actor: Actor) -> Q:
    """`listed_scope` as a query condition on Package."""
    scope = await listed_scope(actor)
    live = Q(deleted_at__isnull=True)
    public = Q(visibility=Visibility.PUBLIC)
    if scope.everything:
        return live
    if scope.package_ids:
        return live & (public | Q(id__in=list(scope.package_ids)))
    if scope.publisher_ids:
        return live & (public | Q(publisher_id__in=list(scope.publisher_ids)))
    return live & public


# What of an `Actor` decides what it may read, apart from who it is (its user id, name, token
# and address): every rule above reads only these and the database. Two callers equal in them
# are given the same answer by any read that never looks at who they are (registry/graphql/
# answers.py shares answers on this; schema/core/personal.py notices a look at the rest).
VISIBILITY_FIELDS = ("is_admin", "scopes", "package_globs", "publisher_ids")


def visibility_class(actor: Actor) -> tuple[object, ...]:
    """`actor`'s `VISIBILITY_FIELDS`, hashable and exact (a signed-in user without memberships
    or admin rights is in the anonymous caller's class)."""
    return (
        actor.is_admin,
        actor.scopes,
        actor.package_globs,
        tuple(sorted(actor.publisher_ids)),
    )


def not_found(name: str) -> NotFound:
    return NotFound(f"Package not found: {name}")


def require_view(actor: Actor, package: Package | None, name: str) -> Package:
    if package is None or not can_view(actor, package):
        raise not_found(name)
    return package


def require_manage(actor: Actor, package: Package, scope: TokenScope) -> None:
    """Owner (a member of the owning publisher) or admin, with the action's token scope and a
    token glob that covers the package. A caller who cannot even see the package gets 404, not
    403. Call it before looking up anything inside the package (a version, a build): a caller
    who may not manage the package then gets the same answer whether that thing exists or not.
    """
    actor.require_user()
    require_view(actor, package, package.name)
    if not (is_member(actor, package.publisher_id) or actor.admin_for(package.name)):
        raise PermissionDenied(f"You do not own package {package.name}")
    actor.require_scope(scope, package.name)
