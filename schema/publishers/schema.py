"""Publisher queries and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.exceptions import NotFound
from domain.services import members, publishers
from schema.core.arguments import After, First, PublisherName
from schema.core.context import Info
from schema.core.pagination import PAGE, connection_from_pairs, offset_window
from schema.publishers.mutations.answer_publisher_invitation import (
    accept_publisher_invitation,
    decline_publisher_invitation,
)
from schema.publishers.mutations.cancel_publisher_invitation import cancel_publisher_invitation
from schema.publishers.mutations.invite_publisher_member import (
    add_publisher_member,
    invite_publisher_member,
)
from schema.publishers.mutations.issue_verification_challenge import (
    issue_verification_challenge,
)
from schema.publishers.mutations.leave_publisher import leave_publisher
from schema.publishers.mutations.register_publisher import register_publisher
from schema.publishers.mutations.reject_publisher import reject_publisher
from schema.publishers.mutations.remove_publisher_member import remove_publisher_member
from schema.publishers.mutations.request_verification import request_verification
from schema.publishers.mutations.revoke_publisher import revoke_publisher
from schema.publishers.mutations.set_publisher_policy import set_publisher_policy
from schema.publishers.mutations.suspend_publisher import suspend_publisher
from schema.publishers.mutations.unsuspend_publisher import unsuspend_publisher
from schema.publishers.mutations.update_publisher import update_publisher
from schema.publishers.mutations.verify_publisher import verify_publisher
from schema.publishers.types import (
    Publisher,
    PublisherConnection,
    PublisherInvitation,
    PublisherStatus,
)


@strawberry.type(description="Publisher queries.")
class PublisherQueries:
    @strawberry.field(description="A publisher by slug or id; null when unknown.")
    async def publisher(self, info: Info, name: PublisherName) -> Publisher | None:
        try:
            row = await publishers.get_publisher(name)
        except NotFound:
            return None
        return Publisher.from_model(row)

    @strawberry.field(description="Publishers by slug, in pages.")
    async def publishers(
        self,
        info: Info,
        status: Annotated[
            PublisherStatus | None,
            strawberry.argument(description="Only publishers in this state."),
        ] = None,
        verified_only: Annotated[
            bool,
            strawberry.argument(
                description="Only verified publishers (ignored when status is given)."
            ),
        ] = False,
        first: First = PAGE.default,
        after: After = None,
    ) -> PublisherConnection:
        async def fetch(page: int, per_page: int) -> tuple[list, int]:
            return await publishers.list_publishers(
                page=page,
                per_page=per_page,
                status=status.value if status else None,
                verified_only=verified_only,
            )

        ordering = f"publishers:{status.value if status else ''}:{verified_only}"
        pairs, total, has_next = await offset_window(
            fetch, ordering=ordering, first=first, after=after
        )
        return connection_from_pairs(
            PublisherConnection,
            pairs,
            total=total,
            has_next=has_next,
            after=after,
            node_of=Publisher.from_model,
        )

    @strawberry.field(
        description="Your invitations to publishers that can still be answered (needs a login)."
    )
    async def my_publisher_invitations(self, info: Info) -> list[PublisherInvitation]:
        rows = await members.my_invitations(info.context.actor)
        return [PublisherInvitation.from_domain(row) for row in rows]


@strawberry.type(description="Publisher mutations.")
class PublisherMutations:
    register_publisher = strawberry.mutation(
        resolver=register_publisher,
        description="Register a publisher; you become its owner (needs a CloudM session).",
    )
    update_publisher = strawberry.mutation(
        resolver=update_publisher, description="Edit a publisher's profile (owners)."
    )
    request_verification = strawberry.mutation(
        resolver=request_verification,
        description="Ask to verify your publisher; automatic methods are checked right away.",
    )
    issue_verification_challenge = strawberry.mutation(
        resolver=issue_verification_challenge,
        description="Get a registry-issued proof string (optional: your user id works too).",
    )
    invite_publisher_member = strawberry.mutation(
        resolver=invite_publisher_member,
        description="Invite a user to your publisher (owners); the user becomes a member only "
        "by accepting, within 14 days.",
    )
    add_publisher_member = strawberry.mutation(
        resolver=add_publisher_member,
        description="Old name of invitePublisherMember: it invites, it no longer adds anyone.",
        deprecation_reason="Membership needs the user's consent: use invitePublisherMember.",
    )
    accept_publisher_invitation = strawberry.mutation(
        resolver=accept_publisher_invitation,
        description="Accept an invitation and join the publisher (a user belongs to one "
        "publisher at most; needs a CloudM session).",
    )
    decline_publisher_invitation = strawberry.mutation(
        resolver=decline_publisher_invitation, description="Decline an invitation."
    )
    cancel_publisher_invitation = strawberry.mutation(
        resolver=cancel_publisher_invitation,
        description="Withdraw an invitation that was not answered yet (owners).",
    )
    leave_publisher = strawberry.mutation(
        resolver=leave_publisher,
        description="Leave a publisher you belong to (its last owner cannot).",
    )
    remove_publisher_member = strawberry.mutation(
        resolver=remove_publisher_member,
        description="Remove a member (owners); removing yourself is leaving.",
    )
    verify_publisher = strawberry.mutation(
        resolver=verify_publisher,
        description="Admin: verify a publisher and allow it to "
        "publish public packages and artifacts.",
    )
    reject_publisher = strawberry.mutation(
        resolver=reject_publisher, description="Admin: reject a verification request."
    )
    revoke_publisher = strawberry.mutation(
        resolver=revoke_publisher, description="Admin: withdraw a verification."
    )
    suspend_publisher = strawberry.mutation(
        resolver=suspend_publisher, description="Admin: suspend a publisher."
    )
    unsuspend_publisher = strawberry.mutation(
        resolver=unsuspend_publisher, description="Admin: lift a suspension."
    )
    set_publisher_policy = strawberry.mutation(
        resolver=set_publisher_policy, description="Admin: publishing flags and size limits."
    )
