"""GraphQL enums derived from the domain's StrEnums (domain/enums.py).

The values come from the domain enum itself, so a value added there appears in the schema
(and the committed SDL test shows it); what the schema adds is the documentation GraphiQL
shows. Every value must be described, so a new domain value cannot slip in undocumented.
The domain class itself becomes the GraphQL enum: resolvers return its members (or the stored
strings, which equal them), and arguments arrive as its members.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

import strawberry

E = TypeVar("E", bound=StrEnum)


def graphql_enum(
    domain_enum: type[E], description: str, values: Mapping[E, str], *, name: str | None = None
) -> type[E]:
    """Register `domain_enum` as a GraphQL enum with a description for the type and for each
    of its values (member names become the GraphQL names, e.g. `PUBLISHED`)."""
    missing = [member.name for member in domain_enum if member not in values]
    extra = [str(member) for member in values if member not in set(domain_enum)]
    if missing or extra:
        raise TypeError(
            f"{domain_enum.__name__}: describe exactly its values "
            f"(missing {missing}, unknown {extra})"
        )
    strawberry.enum(domain_enum, name=name, description=description)
    # Set on the class by strawberry.enum() just above; not part of the StrEnum's type.
    definition = domain_enum.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        value.description = values[domain_enum(value.value)]
    return domain_enum
