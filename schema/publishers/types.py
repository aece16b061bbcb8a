"""GraphQL types of publishers and their verification requests."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry import relay
from strawberry.scalars import JSON

from domain import models
from domain.enums import InvitationState, PublisherStatus, VerificationMethod
from domain.exceptions import DomainError
from domain.services import members
from domain.services.access import can_read_private
from domain.services.listing import ListingQuery
from domain.services.publishers import PublisherStats
from schema.core.context import Info
from schema.core.enums import graphql_enum
from schema.core.pagination import PAGE, CountableConnection, sized
from schema.core.scalars import BigInt
from schema.packages.enums import PackageSort
from schema.packages.listing import list_packages
from schema.packages.types import PackageConnection, package_connection
from schema.publishers.dataloaders import (
    LatestVerificationRequestByPublisherIdLoader,
    PublisherByIdLoader,
    PublisherStatsByIdLoader,
)

graphql_enum(
    PublisherStatus,
    "Verification state of a publisher (REST_CONTRACT §7).",
    {
        PublisherStatus.UNVERIFIED: "Not verified (yet).",
        PublisherStatus.PENDING: "A verification request is open.",
        PublisherStatus.VERIFIED: "Identity proven.",
        PublisherStatus.REJECTED: "The last request was refused.",
        PublisherStatus.SUSPENDED: "Blocked by an admin; cannot publish.",
    },
)

graphql_enum(
    VerificationMethod,
    "How a publisher proves its identity.",
    {
        VerificationMethod.GITHUB: "VERIFY.txt in the GitHub repository "
        "<username>/tb-registry-verify.",
        VerificationMethod.DOMAIN: "https://<domain>/.well-known/tb-registry-verify or a DNS TXT "
        "record at _tb-registry.<domain>.",
        VerificationMethod.MANUAL: "An admin decides.",
    },
)


def sees_private_details(info: Info, publisher_id: str) -> bool:
    """Members and admins (with the read-private scope, for tokens) see a publisher's
    verification details and hidden counters: the domain's private-read rule for the
    publisher as a whole, which a token limited by package globs does not pass."""
    return can_read_private(info.context.actor, publisher_id, None)


@strawberry.type(description="A verification request of a publisher.")
class VerificationRequest(relay.Node):
    pk: relay.NodeID[str]
    row: strawberry.Private[models.VerificationRequest]
    method: str = strawberry.field(description="github, domain or manual.")
    data: JSON = strawberry.field(description='The claim, e.g. {"username": ...} for github.')
    state: str = strawberry.field(description="pending, verified, rejected or failed.")
    challenge: str = strawberry.field(
        description="Registry-issued proof string, or empty when the user id is the proof."
    )
    check_result: JSON | None = strawberry.field(description="Outcome of the automatic check.")
    submitted_at: datetime = strawberry.field(description="When it was submitted.")
    checked_at: datetime | None = strawberry.field(description="When it was last checked.")

    @classmethod
    def from_model(cls, row: models.VerificationRequest) -> VerificationRequest:
        return cls(
            pk=str(row.id),
            row=row,
            method=row.method,
            data=JSON(row.data or {}),
            state=row.state,
            challenge=row.challenge,
            check_result=None if row.check_result is None else JSON(row.check_result),
            submitted_at=row.submitted_at,
            checked_at=row.checked_at,
        )

    @classmethod
    # One signature for strawberry's overloads on `required`: a node the caller may not
    # see is None either way (node fields are nullable).
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[VerificationRequest | None]:
        ids = [int(i) for i in node_ids if i.isdigit()]
        rows = {r.id: r for r in await models.VerificationRequest.filter(id__in=ids)}
        results: list[VerificationRequest | None] = []
        for node_id in node_ids:
            row = rows.get(int(node_id)) if node_id.isdigit() else None
            visible = row is not None and sees_private_details(info, row.publisher_id)
            results.append(cls.from_model(row) if visible and row else None)
        return results

    @strawberry.field(description="User id of who submitted it; admins only, else null.")
    def submitted_by(self, info: Info) -> str | None:
        return self.row.submitted_by if info.context.actor.acts_as_admin else None


@strawberry.type(description="A member of a publisher.")
class PublisherMember:
    user_id: str = strawberry.field(description="The member's registry (CloudM) user id.")
    username: str = strawberry.field(description="The member's username.")
    role: str = strawberry.field(description="owner or member.")
    added_at: datetime = strawberry.field(description="When the member was added.")


graphql_enum(
    InvitationState,
    "Where an invitation to a publisher stands.",
    {
        InvitationState.PENDING: "Waiting for the invitee's answer.",
        InvitationState.ACCEPTED: "The invitee joined.",
        InvitationState.DECLINED: "The invitee said no.",
        InvitationState.CANCELLED: "An owner withdrew it.",
        InvitationState.EXPIRED: "Not answered within 14 days.",
    },
)


@strawberry.type(
    description="An owner's invitation of a user to a publisher; the user joins "
    "only by accepting it."
)
class PublisherInvitation:
    id: str = strawberry.field(description="The invitation's id (accept or decline by it).")
    publisher_name: str = strawberry.field(description="Slug of the inviting publisher.")
    publisher_id: str = strawberry.field(description="Registry id of the inviting publisher.")
    user_id: str = strawberry.field(description="The invitee's registry user id.")
    username: str = strawberry.field(description="The invitee's username.")
    role: str = strawberry.field(description="owner or member: the role on accepting.")
    state: InvitationState = strawberry.field(description="Where it stands.")
    invited_by: str = strawberry.field(description="User id of the owner who invited.")
    created_at: datetime = strawberry.field(description="When it was sent.")
    expires_at: datetime = strawberry.field(description="When it can no longer be accepted.")
    responded_at: datetime | None = strawberry.field(
        description="When it was answered or cancelled."
    )

    @classmethod
    def from_domain(cls, invitation: members.Invitation) -> PublisherInvitation:
        return cls(
            id=invitation.id,
            publisher_name=invitation.publisher_name,
            publisher_id=invitation.publisher_id,
            user_id=invitation.user_id,
            username=invitation.username,
            role=invitation.role,
            state=InvitationState(invitation.state),
            invited_by=invitation.invited_by,
            created_at=invitation.created_at,
            expires_at=invitation.expires_at,
            responded_at=invitation.responded_at,
        )


@strawberry.type(description="A publisher: the organisation or person that owns packages.")
class Publisher(relay.Node):
    pk: relay.NodeID[str]
    row: strawberry.Private[models.Publisher]
    database_id: str = strawberry.field(
        description="The publisher's registry id, as REST shows it (the admin routes accept it)."
    )
    name: str = strawberry.field(description="The slug (lowercase).")
    display_name: str = strawberry.field(description="Human-friendly name.")
    verification_status: PublisherStatus = strawberry.field(description="Verification state.")
    homepage: str = strawberry.field(description="Homepage URL, or empty.")
    github: str = strawberry.field(description="GitHub account, or empty.")
    notice: str = strawberry.field(
        description="A notice shown with its packages (e.g. why it was suspended), or empty."
    )
    can_publish_public: bool = strawberry.field(description="An admin allowed public packages.")
    can_publish_artifacts: bool = strawberry.field(description="An admin allowed artifacts.")
    created_at: datetime = strawberry.field(description="When it registered.")
    verified_at: datetime | None = strawberry.field(description="When it was verified.")

    @classmethod
    def from_model(cls, row: models.Publisher) -> Publisher:
        return cls(
            pk=row.id,
            row=row,
            database_id=row.id,
            name=row.name,
            display_name=row.display_name,
            verification_status=PublisherStatus(row.verification_status),
            homepage=row.homepage,
            github=row.github,
            notice=row.notice,
            can_publish_public=row.can_publish_public,
            can_publish_artifacts=row.can_publish_artifacts,
            created_at=row.created_at,
            verified_at=row.verified_at,
        )

    @classmethod
    # One signature for strawberry's overloads on `required`: a node the caller may not
    # see is None either way (node fields are nullable).
    async def resolve_nodes(  # type: ignore[override]
        cls,
        *,
        info: Info,
        node_ids: Iterable[str],
        required: bool = False,
    ) -> list[Publisher | None]:
        rows = await info.context.loader(PublisherByIdLoader).load_many(list(node_ids))
        return [cls.from_model(row) if row else None for row in rows]

    async def _stats(self, info: Info) -> PublisherStats:
        key = (self.row.id, sees_private_details(info, self.row.id))
        return await info.context.loader(PublisherStatsByIdLoader).load(key)

    @strawberry.field(
        description="Number of its public packages (members and admins: all of its packages)."
    )
    async def package_count(self, info: Info) -> int:
        return (await self._stats(info)).package_count

    @strawberry.field(description="Downloads of the packages counted in packageCount.")
    async def total_downloads(self, info: Info) -> BigInt:
        return BigInt((await self._stats(info)).total_downloads)

    @strawberry.field(
        description="Its packages that the caller may list (members also see "
        "unlisted and private ones)."
    )
    async def packages(
        self,
        info: Info,
        first: Annotated[
            int,
            strawberry.argument(
                description=f"Page size (max {PAGE.maximum}).", metadata=sized(PAGE)
            ),
        ] = PAGE.default,
        after: Annotated[
            str | None,
            strawberry.argument(description="Cursor of the last item of the previous page."),
        ] = None,
        sort: Annotated[
            PackageSort | None, strawberry.argument(description="Order (default NAME).")
        ] = None,
    ) -> PackageConnection:
        # Like `packages`' default filter: packages with nothing left to install are hidden.
        query = ListingQuery(
            publisher_id=self.row.id, sort=sort or PackageSort.NAME, include_yanked=False
        )
        page = await list_packages(info, query, first=first, after=after)
        return await package_connection(info, page)

    @strawberry.field(description="The current verification request; members and admins only.")
    async def verification_request(self, info: Info) -> VerificationRequest | None:
        if not sees_private_details(info, self.row.id):
            return None
        row = await info.context.loader(LatestVerificationRequestByPublisherIdLoader).load(
            self.row.id
        )
        return VerificationRequest.from_model(row) if row else None

    @strawberry.field(description="Contact address; null unless the caller is a member or admin.")
    def email(self, info: Info) -> str | None:
        return self.row.email if sees_private_details(info, self.row.id) else None

    @strawberry.field(
        description="Largest upload allowed in bytes (null: the registry's "
        "limit); members and admins only, else null."
    )
    def max_package_bytes(self, info: Info) -> BigInt | None:
        if not sees_private_details(info, self.row.id):
            return None
        return self.row.max_package_bytes

    @strawberry.field(
        description="Storage quota in bytes (null: unlimited); members and admins only, else null."
    )
    def storage_quota_bytes(self, info: Info) -> BigInt | None:
        if not sees_private_details(info, self.row.id):
            return None
        return self.row.storage_quota_bytes

    @strawberry.field(
        description="The admin's notes on the last decision; members and admins only, else null."
    )
    def verification_notes(self, info: Info) -> str | None:
        return self.row.verification_notes if sees_private_details(info, self.row.id) else None

    @strawberry.field(
        description="Who verified it: an admin's user id, or auto:<method> for "
        "an automatic check; admins only, else null."
    )
    def verified_by(self, info: Info) -> str | None:
        return self.row.verified_by if info.context.actor.acts_as_admin else None

    @strawberry.field(description="Its members; null unless the caller is a member or admin.")
    async def members(self, info: Info) -> list[PublisherMember] | None:
        try:
            rows = await members.list_members(info.context.actor, self.row.id)
        except DomainError:
            return None
        return [
            PublisherMember(
                user_id=m.user_id, username=m.username, role=m.role, added_at=m.added_at
            )
            for m in rows
        ]

    @strawberry.field(
        description="Its invitations that can still be answered; null unless "
        "the caller is an owner or admin."
    )
    async def invitations(self, info: Info) -> list[PublisherInvitation] | None:
        try:
            rows = await members.publisher_invitations(info.context.actor, self.row.id)
        except DomainError:
            return None
        return [PublisherInvitation.from_domain(row) for row in rows]


@strawberry.type(description="A page of publishers.")
class PublisherConnection(CountableConnection[Publisher]):
    pass
