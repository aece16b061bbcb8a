"""Name rules from REST_CONTRACT §7: case preserved, unique and looked up case-insensitively."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TypeVar

from domain.bounds import NAME_MAX_LENGTH, quoted
from domain.enums import Architecture, ArtifactType, PackageType, Platform, Visibility
from domain.exceptions import InvalidInput

PACKAGE_NAME = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_-]{{0,{NAME_MAX_LENGTH - 1}}}")
PUBLISHER_SLUG_MAX_LENGTH = 50
PUBLISHER_SLUG = re.compile(rf"[a-z0-9][a-z0-9_-]{{0,{PUBLISHER_SLUG_MAX_LENGTH - 1}}}")
RESERVED_PACKAGE_NAMES = frozenset({"admin"})
RESERVED_PUBLISHER_SLUGS = frozenset({"admin", "verify"})
FEATURE_PREFIX = "tbv2-feature-"

E = TypeVar("E", bound=StrEnum)

# Other spellings clients send, mapped to the canonical value.
PLATFORM_ALIASES = {
    "win": Platform.WINDOWS,
    "win32": Platform.WINDOWS,
    "win64": Platform.WINDOWS,
    "darwin": Platform.MACOS,
    "osx": Platform.MACOS,
    "mac": Platform.MACOS,
}
ARCH_ALIASES = {
    "x86_64": Architecture.X64,
    "amd64": Architecture.X64,
    "i386": Architecture.X86,
    "i686": Architecture.X86,
    "aarch64": Architecture.ARM64,
    "armv8": Architecture.ARM64,
    "armv7": Architecture.ARM32,
    "armv7l": Architecture.ARM32,
    "arm": Architecture.ARM32,
}


def name_key(name: str) -> str:
    """The case-insensitive identity of a package, artifact or dependency name."""
    return name.lower()


def lookup_key(name: object) -> str | None:
    """The key to look a name up by, or None for one no package or artifact can have (not
    text, empty, or longer than names may be): looking that up simply finds nothing."""
    if not isinstance(name, str) or not name or len(name) > NAME_MAX_LENGTH:
        return None
    return name_key(name)


def lookup_keys(names: object) -> list[str]:
    """`lookup_key` of each name that could exist, without repeats, in order."""
    keys = (lookup_key(name) for name in names) if isinstance(names, list | tuple | set) else ()
    return list(dict.fromkeys(key for key in keys if key is not None))


def validate_package_name(name: object, *, what: str = "package") -> str:
    # The length first: the regex is bounded too, but the check costs nothing and says why.
    if not isinstance(name, str) or len(name) > NAME_MAX_LENGTH or not PACKAGE_NAME.fullmatch(name):
        raise InvalidInput(
            f"Invalid {what} name {quoted(name)}: use 1-100 letters, digits, '_' or '-', "
            "starting with a letter or digit",
            field="name",
        )
    if name_key(name) in RESERVED_PACKAGE_NAMES:
        raise InvalidInput(f"The {what} name {name!r} is reserved", field="name")
    return name


def validate_publisher_slug(slug: object) -> str:
    if (
        not isinstance(slug, str)
        or len(slug) > PUBLISHER_SLUG_MAX_LENGTH
        or (not PUBLISHER_SLUG.fullmatch(slug))
    ):
        raise InvalidInput(
            f"Invalid publisher name {quoted(slug)}: use 1-50 lowercase letters, digits, "
            "'_' or '-', starting with a letter or digit",
            field="name",
        )
    if slug in RESERVED_PUBLISHER_SLUGS:
        raise InvalidInput(f"The publisher name {slug!r} is reserved", field="name")
    return slug


def choice(value: object, allowed: type[E], what: str, field: str) -> E:
    """The member of `allowed` whose value `value` is, or the 400 that lists the values."""
    if isinstance(value, str):
        try:
            return allowed(value)
        except ValueError:
            pass
    raise InvalidInput(
        f"Invalid {what} {value!r}: expected one of {', '.join(allowed)}", field=field
    )


def validate_package_type(value: object) -> PackageType:
    return choice(value, PackageType, "package type", "package_type")


def validate_visibility(value: object) -> Visibility:
    return choice(value, Visibility, "visibility", "visibility")


def validate_artifact_type(value: object) -> ArtifactType:
    return choice(value, ArtifactType, "artifact type", "artifact_type")


def canonical_platform(value: object) -> Platform:
    lowered = value.strip().lower() if isinstance(value, str) else value
    lowered = PLATFORM_ALIASES.get(lowered, lowered) if isinstance(lowered, str) else lowered
    return choice(lowered, Platform, "platform", "platform")


def canonical_architecture(value: object) -> Architecture:
    lowered = value.strip().lower() if isinstance(value, str) else value
    lowered = ARCH_ALIASES.get(lowered, lowered) if isinstance(lowered, str) else lowered
    return choice(lowered, Architecture, "architecture", "architecture")


def is_feature_pack_name(name: str) -> bool:
    return name_key(name).startswith(FEATURE_PREFIX)
