"""Builders for the pipeline tests: an owner with a package, admins, archives that must pass
or be quarantined (with the rule each must trip), and minimal platform binaries."""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass

import httpx

from domain.services import users
from tests.fixtures.stack import bearer
from tests.helpers import create_package, make_publisher
from tests.scanning.helpers import MOD, mod_entries, mod_with
from tests.scanning.zipcraft import S_IFLNK, Entry, build_zip, fifield_full_overlap, zero_bomb

OWNER = "owner-1"
STRANGER = "stranger-1"
ADMIN = "admin-1"
BOMB_SIZE = 64 << 20


@dataclass(frozen=True)
class Attack:
    """An upload the scan must quarantine, with the exact rule that must fire."""

    name: str
    package: str
    package_type: str
    data: bytes
    rule: str


def benign_mod() -> bytes:
    return build_zip(mod_entries())


def _bomb(declared: int | None) -> bytes:
    compressed, crc = zero_bomb(BOMB_SIZE)
    return mod_with(
        Entry(
            f"{MOD}/data.bin",
            b"",
            compressed=compressed,
            crc=crc,
            usize=BOMB_SIZE if declared is None else declared,
        )
    )


def attacks() -> list[Attack]:
    return [
        Attack(
            "path_traversal",
            MOD,
            "mod",
            mod_with(Entry(f"{MOD}/../../evil.py", b"import os\n")),
            "unsafe_path",
        ),
        Attack("zip_bomb", MOD, "mod", _bomb(None), "ratio_exceeded"),
        # Declares 200 kB, expands to 64 MiB: only the limit enforced while inflating sees it.
        Attack("lying_zip_bomb", MOD, "mod", _bomb(200_000), "ratio_exceeded"),
        Attack(
            "symlink",
            MOD,
            "mod",
            mod_with(
                Entry(
                    f"{MOD}/link", b"/etc/passwd", method=0, external_attr=(S_IFLNK | 0o777) << 16
                )
            ),
            "symlink_entry",
        ),
        # Libraries need no manifest, so this reaches the scan past the upload's quick check.
        Attack(
            "overlap_bomb",
            "overlaplib",
            "library",
            fifield_full_overlap(50, 1 << 20),
            "overlapping_entries",
        ),
    ]


async def make_owner_package(
    client: httpx.AsyncClient,
    name: str = MOD,
    package_type: str = "mod",
    user_id: str = OWNER,
    visibility: str = "public",
) -> None:
    from domain.models import PublisherMember

    if not await PublisherMember.exists(user_id=user_id):
        await make_publisher(user_id)
    response = await create_package(
        client, user_id, name, package_type=package_type, visibility=visibility
    )
    assert response.status_code == 201, response.text


async def make_admin(user_id: str = ADMIN) -> dict[str, str]:
    await users.set_admin(user_id, True, username=f"user-{user_id}")
    return bearer(user_id)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def pe_binary(size: int = 4096, label: str = "pe") -> bytes:
    """MZ header whose e_lfanew points at a PE signature: a Windows executable by magic."""
    body = bytearray(_filler(label, size))
    body[0:2] = b"MZ"
    struct.pack_into("<I", body, 0x3C, 0x80)
    body[0x80:0x84] = b"PE\x00\x00"
    return bytes(body)


def elf_binary(size: int = 4096, label: str = "elf") -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + _filler(label, size - 8)


def _filler(label: str, size: int) -> bytes:
    seed = hashlib.sha256(label.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]
