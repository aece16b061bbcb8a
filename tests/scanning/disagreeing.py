"""Mod archives that Python's `zipfile` reads one way and the strict reader another.

Each one is a valid-looking `CloudM` mod whose manifest lists `DB>=1.0.0`; a crafted part
carries a second manifest listing `Evil>=6.6.6`. The old publish-time reader (stdlib zipfile)
stored whatever `zipfile` saw; `stdlib_dependencies` repeats that reading, so a test can show
the disagreement is real before it checks that the strict reader decides.
"""

from __future__ import annotations

import io
import zipfile

from domain.manifest import find_manifest, manifest_kind_for, parse_manifest
from tests.scanning.helpers import MOD, TBCONFIG, mod_entries
from tests.scanning.zipcraft import Entry, build_zip, streamed_zip

EVIL_TBCONFIG = TBCONFIG.replace(b"DB>=1.0.0", b"Evil>=6.6.6")
MANIFEST = f"{MOD}/tbConfig.yaml"


def stdlib_dependencies(data: bytes, package_name: str = MOD) -> list[str]:
    """The dependencies Python's zipfile finds (the reading publishing used to trust)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        path = find_manifest(archive.namelist(), package_name)
        assert path is not None
        manifest = parse_manifest(archive.read(path), manifest_kind_for(path), path=path)
    return [f"{dep.name}{dep.version_spec}" for dep in manifest.dependencies]


def end_record_in_comment() -> bytes:
    """A second, complete archive (evil manifest, its directory, its end record) hidden in the
    real archive's comment. zipfile takes the last end record it finds, the hidden one."""
    real_size = len(build_zip(mod_entries()))  # the comment starts where this archive ends
    evil_entries = [Entry(MANIFEST, EVIL_TBCONFIG), Entry(f"{MOD}/__init__.py", b"")]
    hidden = build_zip(evil_entries, prepend=bytes(real_size), offsets_include_prepend=True)[
        real_size:
    ]
    return build_zip(mod_entries(), comment=hidden)


def duplicate_manifest() -> bytes:
    """Two directory entries named like the manifest; zipfile keeps the last one."""
    return build_zip([*mod_entries(), Entry(MANIFEST, EVIL_TBCONFIG)])


def prepended_archive() -> bytes:
    """An evil archive glued in front of the real one (offsets not adjusted): zipfile shifts
    every offset by the prepended length and reads the real one; readers that scan from the
    front meet the evil one first."""
    evil = build_zip([Entry(MANIFEST, EVIL_TBCONFIG), Entry(f"{MOD}/__init__.py", b"")])
    return build_zip(mod_entries(), prepend=evil)


def lying_data_descriptor() -> bytes:
    """The manifest is streamed (sizes in a data descriptor) and the descriptor's CRC-32
    disagrees with the directory; zipfile never looks at the descriptor."""
    manifest, *rest = mod_entries()
    manifest.descriptor = True
    manifest.descriptor_fields = {"crc": 0x12345678}
    return build_zip([manifest, *rest])


def local_sizes_disagree() -> bytes:
    """The manifest's local header declares other sizes than its directory record; zipfile
    trusts the directory."""
    manifest, *rest = mod_entries()
    manifest.local = {"usize": 1, "csize": 1}
    return build_zip([manifest, *rest])


def streamed_mod() -> bytes:
    """A benign mod written to a pipe: data descriptors after every entry."""
    return streamed_zip(
        {
            MANIFEST: TBCONFIG,
            f"{MOD}/__init__.py": b"x = 1\n",
            f"{MOD}/core.py": b"def run():\n    return 42\n",
        }
    )


DISAGREEING = {
    "end_record_in_comment": end_record_in_comment,
    "duplicate_manifest": duplicate_manifest,
    "prepended_archive": prepended_archive,
    "lying_data_descriptor": lying_data_descriptor,
    "local_sizes_disagree": local_sizes_disagree,
}
