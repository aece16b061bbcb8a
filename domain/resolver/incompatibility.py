"""Terms and incompatibilities, encoded as bitsets over a package's known candidates.

Every package in a solve gets ``n`` candidate bits (bit ``i`` = the ``i``-th newest candidate)
plus one extra bit meaning "not selected". A term is then a single integer:

* positive ``foo S`` -> the bits of ``S``;
* negative ``not foo S`` -> every other candidate bit, plus the "not selected" bit.

With that encoding PubGrub's set algebra is exact and cheap: intersection is ``&``, union ``|``,
negation ``full ^ mask``, "A satisfies B" is ``A & (full ^ B) == 0`` and "A contradicts B" is
``A & B == 0``. Pre-release rules, yanked versions, ToolBox and platform filters are all
decided once, when a range is turned into a mask, so the solver never re-evaluates ranges.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["DependencyDetail", "Incompatibility", "Term"]

# (package id, mask, full ^ mask, label). ``label`` names the term's version set in the words
# the user wrote (e.g. the dependency spec ``^1.2``); None means "render from the bits".
Term = tuple[int, int, int, str | None]


class DependencyDetail(NamedTuple):
    """What an external dependency-based incompatibility was built from, for explanations.

    A NamedTuple rather than a dataclass: hundreds are created per solve, most never read.
    """

    depender: int
    dependee: int | None
    dependee_name: str
    spec: str
    # Candidates the spec matches before the yanked/ToolBox/platform filters were applied.
    raw_match: int = 0
    error: str = ""


class Incompatibility:
    """A set of terms that must not all hold at once, with the reason it is known.

    ``kind`` is ``root``, ``dependency``, ``no_versions``, ``unsatisfiable_dependency``,
    ``invalid_dependency``, ``self_dependency`` (external facts) or ``derived`` (learned
    during conflict resolution from the two ``causes``).
    """

    __slots__ = ("terms", "kind", "causes", "detail")

    def __init__(
        self,
        terms: tuple[Term, ...],
        kind: str,
        *,
        causes: tuple[Incompatibility, Incompatibility] | None = None,
        detail: DependencyDetail | None = None,
    ) -> None:
        self.terms = terms
        self.kind = kind
        self.causes = causes
        self.detail = detail

    @property
    def is_derived(self) -> bool:
        return self.causes is not None

    def __repr__(self) -> str:
        terms = ", ".join(f"{pid}:{mask:b}" for pid, mask, _, _ in self.terms)
        return f"Incompatibility({self.kind}, {{{terms}}})"
