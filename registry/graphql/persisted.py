"""Persisted queries at /graphql: Apollo's automatic persisted queries (APQ), for any client.

A request may name its document by the SHA-256 of its text instead of sending the text:
`extensions: {"persistedQuery": {"version": 1, "sha256Hash": "<64 hex>"}}` (in a JSON body, or
as the `extensions` URL parameter of a GET). Then:
- the hash is known: the stored document runs;
- the hash is unknown and no `query` came with it: the answer is the GraphQL error
  `PersistedQueryNotFound` (`extensions.code` `PERSISTED_QUERY_NOT_FOUND`), and the client
  sends the same request again with the full `query` (registry/graphql/view.py picks the
  status: see `not_found_status`);
- a `query` came with the hash: the hash must be the SHA-256 of the query's UTF-8 text (else
  400), the text is stored under it, and it runs.

Two sources of documents:
- the build-time manifest `web/dist/persisted-operations.json` (a JSON object
  {sha256 hex: document text}) that the web UI's build writes, loaded at start when present,
  so the UI's operations are always known and never evicted;
- what clients registered, in memory, in this process only: a least-recently-used store
  bounded by entry count and by total bytes. Another process (or this one after a restart or
  an eviction) answers `PersistedQueryNotFound` and the client retries with the text, as the
  protocol expects. A document's text is bounded like any other (the body limit, the token
  limit when it is parsed).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from domain.exceptions import InvalidInput
from domain.jsontext import load_json

log = logging.getLogger("registry.graphql")

MANIFEST_PATH = Path(__file__).resolve().parents[2] / "web" / "dist" / "persisted-operations.json"
# The manifest is read whole before it is parsed; a UI's operations fit many times over.
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
# Documents registered by clients, per process.
MAX_ENTRIES = 4096
MAX_BYTES = 16 * 1024 * 1024

PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
NOT_FOUND_MESSAGE = "PersistedQueryNotFound"
_HASH = re.compile(r"[0-9a-f]{64}")


class PersistedQueryNotFound(Exception):
    """The request named a document by a hash this process does not know."""


class PersistedQueryRefused(Exception):
    """A malformed `persistedQuery` extension, or a hash that is not the query's (400)."""

    def __init__(self, message: str, code: str = "bad_request") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def document_hash(text: str) -> str:
    """The APQ name of a document: the SHA-256 of its UTF-8 text, in lowercase hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def requested_hash(extensions: Any) -> str | None:
    """The hash a request's `extensions` name, or None when they name none."""
    if not isinstance(extensions, Mapping) or "persistedQuery" not in extensions:
        return None
    persisted = extensions["persistedQuery"]
    if not isinstance(persisted, Mapping):
        raise PersistedQueryRefused("extensions.persistedQuery must be an object")
    if persisted.get("version") != 1:
        raise PersistedQueryRefused("Unsupported persisted query version (only 1 is)")
    value = persisted.get("sha256Hash")
    if not isinstance(value, str) or not _HASH.fullmatch(value.lower()):
        raise PersistedQueryRefused(
            "extensions.persistedQuery.sha256Hash must be a SHA-256 in hex (64 characters)"
        )
    return value.lower()


class PersistedQueries:
    """The documents this process knows by hash: the manifest's, then clients' (LRU)."""

    def __init__(
        self,
        manifest: Mapping[str, str] | None = None,
        *,
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self._pinned = dict(manifest or {})
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, str] = OrderedDict()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._pinned) + len(self._entries)

    @property
    def stored_bytes(self) -> int:
        """Bytes held by clients' documents (the manifest's are not counted)."""
        return self._bytes

    def get(self, digest: str) -> str | None:
        pinned = self._pinned.get(digest)
        if pinned is not None:
            return pinned
        found = self._entries.get(digest)
        if found is not None:
            self._entries.move_to_end(digest)
        return found

    def remember(self, digest: str, text: str) -> None:
        if digest in self._pinned:
            return
        size = _size(digest, text)
        if size > self.max_bytes:
            return
        previous = self._entries.pop(digest, None)
        if previous is not None:
            self._bytes -= _size(digest, previous)
        self._entries[digest] = text
        self._bytes += size
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            old_digest, old_text = self._entries.popitem(last=False)
            self._bytes -= _size(old_digest, old_text)

    def resolve(self, query: Any, extensions: Any) -> Any:
        """The document a request runs: its `query`, or the one its hash names. Raises
        PersistedQueryNotFound or PersistedQueryRefused (see the module's docstring)."""
        digest = requested_hash(extensions)
        if digest is None:
            return query
        if query is None:
            found = self.get(digest)
            if found is None:
                raise PersistedQueryNotFound(digest)
            return found
        if not isinstance(query, str):
            return query  # refused as a malformed request further on
        if document_hash(query) != digest:
            raise PersistedQueryRefused(
                "extensions.persistedQuery.sha256Hash is not the SHA-256 of the query",
                "persisted_query_hash_mismatch",
            )
        self.remember(digest, query)
        return query


def _size(digest: str, text: str) -> int:
    return len(digest) + len(text.encode("utf-8"))


def load_manifest(path: Path = MANIFEST_PATH) -> dict[str, str]:
    """The UI build's {hash: document} manifest; empty when the file is absent. An entry whose
    hash is not its document's is left out and logged (the build wrote something wrong)."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_MANIFEST_BYTES + 1)
    except FileNotFoundError:
        return {}
    if len(raw) > MAX_MANIFEST_BYTES:
        log.error("%s exceeds %d bytes; not loaded", path, MAX_MANIFEST_BYTES)
        return {}
    try:
        data = load_json(raw, f"{path} is not valid JSON")
    except InvalidInput as error:
        log.error("%s not loaded: %s", path, error)
        return {}
    if not isinstance(data, dict):
        log.error("%s must hold a JSON object {sha256: document}; not loaded", path)
        return {}
    manifest: dict[str, str] = {}
    for digest, text in data.items():
        if isinstance(text, str) and document_hash(text) == digest:
            manifest[digest] = text
        else:
            log.error("%s: entry %.80r is not a document under its SHA-256; left out", path, digest)
    return manifest
