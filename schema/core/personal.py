"""Whether an operation looked at who its caller is, beyond what the caller may see.

The view's answer cache (registry/graphql/answers.py) gives one caller's answer to another of
the same visibility class (`domain.services.access.visibility_class`: admin flag, token
scopes and globs, publisher memberships). That is right exactly when the operation read
nothing else of its caller: execution is then the same sequence of reads with the same
values for both, on the same database state (the cache is emptied by every committed write).
So rather than a list of "personal" fields kept by hand beside the schema, the operation runs
with a `WatchedActor`, which notes on the request's `AnswerNote` any read of the actor other
than its visibility class and the rules derived from it: its user id (`me`, "is this you",
your tokens), name, token id, address, or the actor as a whole (`dataclasses.replace`,
`vars`). A new field, resolver or domain rule that uses any of those makes its answers
personal without anyone having to mark it.

`request_id` is not watched: it names the request in errors and logs, and an answer with
errors is never kept.
"""

from __future__ import annotations

from typing import Any

from domain.actor import Actor
from domain.services.access import VISIBILITY_FIELDS
from schema.core.analysis import AnswerNote

# Reads that say nothing about who the caller is: the visibility class, and the methods and
# properties of Actor (which read the fields they use through the same watch).
_UNWATCHED = frozenset(
    {
        *VISIBILITY_FIELDS,
        "request_id",
        "__class__",
        *(
            name
            for name, value in vars(Actor).items()
            if callable(value) or isinstance(value, property)
        ),
    }
)
_NOTE = "_answer_note"


class WatchedActor(Actor):
    """An `Actor` that marks its request's answer personal on any read outside `_UNWATCHED`
    (attributes only: a method reads what it needs through this same hook)."""

    def __getattribute__(self, name: str) -> Any:
        if name not in _UNWATCHED:
            note = object.__getattribute__(self, "__dict__").get(_NOTE)
            if note is not None:
                note.personal = True
        return object.__getattribute__(self, name)


def watched(actor: Actor, note: AnswerNote) -> Actor:
    """`actor`, reporting reads of who it is to `note`."""
    copy = object.__new__(WatchedActor)
    fields = object.__getattribute__(copy, "__dict__")
    fields.update(vars(actor))
    fields[_NOTE] = note
    return copy
