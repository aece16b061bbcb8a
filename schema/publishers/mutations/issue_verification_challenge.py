"""issueVerificationChallenge: get a random proof string to publish instead of the user id."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.services import verification
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors


@strawberry.type(description="Result of issueVerificationChallenge.")
class VerificationChallengePayload:
    challenge: str | None = strawberry.field(default=None, description="The proof string.")
    expires_at: datetime | None = strawberry.field(
        default=None, description="When it stops being accepted."
    )
    user_id: str | None = strawberry.field(
        default=None, description="Your user id, which works as proof too."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


@returns_user_errors(VerificationChallengePayload)
async def issue_verification_challenge(info: Info) -> VerificationChallengePayload | None:
    challenge = await verification.issue_challenge(
        info.context.actor, info.context.registry.policy.verification
    )
    return VerificationChallengePayload(
        challenge=challenge.value,
        expires_at=challenge.expires_at,
        user_id=info.context.actor.user_id,
    )
