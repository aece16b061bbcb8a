"""Entry-name rules: which paths inside an upload are safe to extract on every platform.

Names are judged as Python's zipfile decodes them and, where other extractors read them
differently (Info-ZIP Unicode Path extra, raw UTF-8 bytes without the UTF-8 flag), in those
readings too. The NFKC form is checked as well, because Windows "best fit" conversions turn
look-alikes such as FULLWIDTH SOLIDUS into real path separators.
"""

from __future__ import annotations

import re
import unicodedata

from domain.scanning.rules import Rule, ScanRejected

_DEVICE_NAMES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
_NUMBERED = [f"{prefix}{suffix}" for prefix in ("COM", "LPT") for suffix in "0123456789¹²³"]
WINDOWS_RESERVED_NAMES = frozenset(_DEVICE_NAMES | set(_NUMBERED))

# Direction overrides and isolates make a name display differently from what it is.
_BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
# Characters that best-fit code page conversion maps to '/', '\\' or ':'.
_SEPARATOR_LOOKALIKES = frozenset(
    "\u2215\u2044\u2571\u29f8\uff0f\u29f5\u29f9\u2216\ufe68\uff3c\uff1a\ua789\u2236"
)
_DRIVE = re.compile(r"^[A-Za-z]:")


def _reject(rule: Rule, message: str, entry: str) -> ScanRejected:
    return ScanRejected(rule, message, entry=entry)


def _check_characters(name: str, entry: str) -> None:
    if name.isprintable():  # fast path: no control, format or separator characters at all
        return
    for char in name:
        category = unicodedata.category(char)
        if category in ("Cc", "Cs") or char in _BIDI_CONTROLS:
            raise _reject(
                Rule.BAD_NAME_CHARS, f"the name contains the character U+{ord(char):04X}", entry
            )


def _check_structure(name: str, entry: str) -> None:
    if "\\" in name:
        raise _reject(Rule.UNSAFE_PATH, "the name contains a backslash", entry)
    if name.startswith("//"):
        raise _reject(Rule.UNSAFE_PATH, "the name is a UNC path", entry)
    if name.startswith("/"):
        raise _reject(Rule.UNSAFE_PATH, "the name is an absolute path", entry)
    if _DRIVE.match(name):
        raise _reject(Rule.UNSAFE_PATH, "the name starts with a drive letter", entry)
    if ":" in name:
        raise _reject(Rule.UNSAFE_PATH, "the name contains ':' (drive or alternate stream)", entry)
    body = name[:-1] if name.endswith("/") else name
    for component in body.split("/"):
        if component == "":
            raise _reject(Rule.UNSAFE_PATH, "the name has an empty path component", entry)
        if component in (".", ".."):
            raise _reject(Rule.UNSAFE_PATH, f"the name has a '{component}' component", entry)
        if component.strip(". ") == "":
            # Windows drops trailing dots and spaces: ".. " would become "..".
            raise _reject(
                Rule.UNSAFE_PATH, "a path component is made only of dots and spaces", entry
            )


def _check_reserved(name: str, entry: str) -> None:
    for component in name.rstrip("/").split("/"):
        stem = component.split(".", 1)[0].rstrip(" ").upper()
        if stem in WINDOWS_RESERVED_NAMES:
            raise _reject(
                Rule.RESERVED_NAME, f"'{component}' is a reserved device name on Windows", entry
            )


def check_entry_name(name: str, *, entry: str | None = None) -> None:
    """Raise ScanRejected (bad_name_chars, unsafe_path or reserved_name) for an unsafe name.

    Byte length is checked where the raw bytes are known (`name_too_long`).
    """
    label = entry if entry is not None else name
    if not name or name == "/":
        raise _reject(Rule.UNSAFE_PATH, "the name is empty", label)
    _check_characters(name, label)
    _check_structure(name, label)
    compatible = unicodedata.normalize("NFKC", name)
    if any(char in _SEPARATOR_LOOKALIKES for char in name):
        raise _reject(
            Rule.UNSAFE_PATH, "the name contains a character that looks like a separator", label
        )
    if compatible != name:
        _check_characters(compatible, label)
        _check_structure(compatible, label)
    _check_reserved(name, label)
    if compatible != name:
        _check_reserved(compatible, label)


def collision_key(name: str) -> str:
    """What two names must not share: NFC + casefold, trailing dots/spaces dropped (Windows)."""
    body = name[:-1] if name.endswith("/") else name
    folded = unicodedata.normalize("NFC", unicodedata.normalize("NFC", body).casefold())
    return "/".join(component.rstrip(" .") for component in folded.split("/"))


class NameRegistry:
    """Detect entries that would land on the same path, including a file named like a folder."""

    def __init__(self) -> None:
        self._files: dict[str, int] = {}
        self._dirs: dict[str, int | None] = {}  # None: implied by a deeper entry

    def add(self, owner: int, names: list[str], *, is_dir: bool, entry: str) -> None:
        keys = dict.fromkeys(collision_key(name) for name in names)
        for key in keys:
            file_owner = self._files.get(key)
            dir_owner = self._dirs.get(key, -1)
            clash = (
                (file_owner is not None and file_owner != owner)
                or (not is_dir and key in self._dirs)
                or (is_dir and dir_owner not in (-1, None, owner))
            )
            if clash:
                raise _reject(
                    Rule.DUPLICATE_NAME,
                    "another entry has the same name after Unicode normalisation and "
                    "case folding, or a file and a folder share a path",
                    entry,
                )
            if is_dir:
                self._dirs[key] = owner
            else:
                self._files[key] = owner
            parts = key.split("/")
            for depth in range(1, len(parts)):
                parent = "/".join(parts[:depth])
                if parent in self._files and self._files[parent] != owner:
                    raise _reject(
                        Rule.DUPLICATE_NAME, f"'{parent}' is both a file and a folder", entry
                    )
                self._dirs.setdefault(parent, None)
