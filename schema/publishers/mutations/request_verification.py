"""requestVerification: submit proof of identity for the caller's publisher."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON

from domain.commands import VerificationSubmission
from domain.services import verification
from schema.core.context import Info
from schema.core.errors import UserError, returns_user_errors
from schema.publishers.types import Publisher, VerificationMethod, VerificationRequest


@strawberry.type(description="Result of requestVerification.")
class RequestVerificationPayload:
    publisher: Publisher | None = strawberry.field(
        default=None, description="The publisher, now pending."
    )
    request: VerificationRequest | None = strawberry.field(
        default=None, description="The stored request."
    )
    message: str | None = strawberry.field(default=None, description="What happens next.")
    instructions: str | None = strawberry.field(
        default=None, description="Where to publish the proof."
    )
    challenge: str | None = strawberry.field(
        default=None, description="A proof string you may publish instead of your user id."
    )
    challenge_expires_at: datetime | None = strawberry.field(
        default=None, description="When the challenge expires."
    )
    errors: list[UserError] = strawberry.field(
        default_factory=list, description="Why it was refused, if it was."
    )


def command_of(method: VerificationMethod, data: object) -> VerificationSubmission:
    """The domain's VerificationSubmission. GraphQL has typed the method; `data` (any JSON)
    must be an object, as REST's body type says; the domain checks the claim in it."""
    return VerificationSubmission(method=method, data=verification.data_object(data))


@returns_user_errors(RequestVerificationPayload)
async def request_verification(
    info: Info,
    method: Annotated[VerificationMethod, strawberry.argument(description="How to verify.")],
    data: Annotated[
        JSON,
        strawberry.argument(
            description='The claim: {"username": ...} for github, {"domain": ...} for domain, '
            "free-form for manual."
        ),
    ],
) -> RequestVerificationPayload | None:
    submission = await verification.submit_verification(
        info.context.registry.jobs,
        info.context.registry.policy.verification,
        info.context.actor,
        command_of(method, data),
    )
    return RequestVerificationPayload(
        publisher=Publisher.from_model(submission.publisher),
        request=VerificationRequest.from_model(submission.request),
        message=submission.message,
        instructions=submission.instructions,
        challenge=submission.challenge.value,
        challenge_expires_at=submission.challenge.expires_at,
    )
