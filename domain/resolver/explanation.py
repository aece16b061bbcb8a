"""Explaining a failed solve: PubGrub's derivation-graph prose, a structured graph, short errors.

The prose follows the error-reporting section of pub's ``doc/solver.md``: walk the derivation
graph of the final incompatibility, write one sentence per derived incompatibility, and number
only the lines that are referred to more than once.
"""

from __future__ import annotations

from domain.resolver.incompatibility import Incompatibility, Term
from domain.resolver.model import IncompatibilityReport, NoSolution, TermReport
from domain.resolver.universe import ROOT, ROOT_NAME, Universe

__all__ = ["build_no_solution"]

_AVAILABLE_SHOWN = 5


class _Text:
    """Turns terms and incompatibilities into phrases."""

    def __init__(self, universe: Universe) -> None:
        self.universe = universe

    # -- terms ---------------------------------------------------------------------------

    def is_positive(self, term: Term) -> bool:
        return not term[1] & self.universe.packages[term[0]].none

    def named_set(self, term: Term) -> int:
        """The versions a term talks about: its own set if positive, the excluded set if not."""
        package = self.universe.packages[term[0]]
        return (term[1] if self.is_positive(term) else term[2]) & package.all

    def constraint(self, term: Term) -> str:
        if term[3] is not None:
            return term[3]
        return self.universe.describe_set(term[0], self.named_set(term))

    def is_any(self, term: Term) -> bool:
        return self.named_set(term) == self.universe.packages[term[0]].all

    def terse(self, term: Term, *, allow_every: bool = False) -> str:
        if term[0] == ROOT:
            return "the request"
        name = self.universe.name(term[0])
        if self.is_any(term) and term[3] in (None, "*"):
            return f"every version of {name}" if allow_every else name
        return f"{name} {self.constraint(term)}"

    # -- external facts ------------------------------------------------------------------

    def _depender(self, incompatibility: Incompatibility) -> Term:
        assert incompatibility.detail is not None
        depender = incompatibility.detail.depender
        return next(t for t in incompatibility.terms if t[0] == depender)

    def _verb(self, incompatibility: Incompatibility) -> str:
        detail = incompatibility.detail
        if incompatibility.kind == "dependency" and detail and detail.depender != ROOT:
            return "depends on"
        return "requires"

    def no_match_note(self, pid: int, raw: int, allowed: int) -> str:
        notes = self.universe.exclusion_notes(pid, raw, allowed)
        if notes:
            return f" ({'; '.join(notes)})"
        package = self.universe.packages[pid]
        installable = [
            package.versions[i] for i in range(package.count) if package.range_ok >> i & 1
        ]
        if not installable:
            return f" ({package.name} has no installable versions)"
        shown = ", ".join(installable[:_AVAILABLE_SHOWN])
        more = ", ..." if len(installable) > _AVAILABLE_SHOWN else ""
        return f" (available: {shown}{more})"

    def external(self, incompatibility: Incompatibility) -> str:
        kind = incompatibility.kind
        detail = incompatibility.detail
        if kind == "root":
            return "the request must be satisfied"
        if kind == "no_versions":
            term = incompatibility.terms[0]
            name = self.universe.name(term[0])
            if term[3]:
                return f"no versions of {name} match {term[3]}"
            return f"no version of {name} satisfies every constraint on it"
        assert detail is not None
        depender = self._depender(incompatibility)
        subject = self.terse(depender, allow_every=True)
        requirement = f"{detail.dependee_name} {detail.spec}".rstrip()
        if kind == "dependency":
            dependee = next(t for t in incompatibility.terms if t[0] != detail.depender)
            return f"{subject} {self._verb(incompatibility)} {self.terse(dependee)}"
        if kind == "unsatisfiable_dependency":
            assert detail.dependee is not None
            note = self.no_match_note(detail.dependee, detail.raw_match, 0)
            verb = "requires" if depender[0] == ROOT else "depends on"
            return (
                f"{subject} {verb} {requirement}, but no version of {detail.dependee_name} "
                f"matches {detail.spec}{note}"
            )
        if kind == "invalid_dependency":
            return f"{subject} declares an invalid dependency {requirement!r} ({detail.error})"
        if kind == "self_dependency":
            return f"{subject} depends on itself ({requirement}) outside its own version"
        raise AssertionError(f"unknown incompatibility kind {kind}")

    # -- any incompatibility -------------------------------------------------------------

    def is_failure(self, incompatibility: Incompatibility) -> bool:
        terms = incompatibility.terms
        return not terms or (len(terms) == 1 and terms[0][0] == ROOT and self.is_positive(terms[0]))

    def describe(self, incompatibility: Incompatibility) -> str:
        if not incompatibility.is_derived:
            return self.external(incompatibility)
        if self.is_failure(incompatibility):
            return "version solving failed"
        terms = incompatibility.terms
        if len(terms) == 1:
            term = terms[0]
            verdict = "is forbidden" if self.is_positive(term) else "is required"
            return f"{self.terse(term, allow_every=True)} {verdict}"
        positive = [t for t in terms if self.is_positive(t)]
        negative = [t for t in terms if not self.is_positive(t)]
        if len(terms) == 2 and len(positive) == 2:
            return f"{self.terse(positive[0])} is incompatible with {self.terse(positive[1])}"
        if len(terms) == 2 and len(negative) == 2:
            return f"either {self.terse(negative[0])} or {self.terse(negative[1])}"
        if positive and negative:
            alternatives = " or ".join(self.terse(t) for t in negative)
            if len(positive) == 1:
                return f"{self.terse(positive[0], allow_every=True)} requires {alternatives}"
            conditions = " and ".join(self.terse(t) for t in positive)
            return f"if {conditions} then {alternatives}"
        if positive:
            return f"one of {' or '.join(self.terse(t) for t in positive)} must be false"
        return f"one of {' or '.join(self.terse(t) for t in negative)} must be true"

    def _satisfies(self, term: Term, other: Term) -> bool:
        """Whether the positive set of ``term`` lies inside ``other`` (same package)."""
        return term[0] == other[0] and not (term[1] & other[2])

    def _single(self, incompatibility: Incompatibility, positive: bool) -> Term | None:
        found = [t for t in incompatibility.terms if self.is_positive(t) == positive]
        return found[0] if len(found) == 1 else None

    def conjunction(
        self,
        first: Incompatibility,
        second: Incompatibility,
        first_line: int | None = None,
        second_line: int | None = None,
    ) -> str:
        for attempt in (self._requires_both, self._requires_through, self._requires_forbidden):
            sentence = attempt(first, second, first_line, second_line)
            if sentence is not None:
                return sentence
        text = self.describe(first) + (f" ({first_line})" if first_line else "")
        text += " and " + self.describe(second) + (f" ({second_line})" if second_line else "")
        return text

    def _simple_terms(self, incompatibility: Incompatibility) -> bool:
        return incompatibility.kind in ("dependency", "derived")

    def _requires_both(
        self, first: Incompatibility, second: Incompatibility, l1: int | None, l2: int | None
    ) -> str | None:
        if not (self._simple_terms(first) and self._simple_terms(second)):
            return None
        if len(first.terms) == 1 or len(second.terms) == 1:
            return None
        p1, p2 = self._single(first, True), self._single(second, True)
        if p1 is None or p2 is None or p1[:2] != p2[:2]:
            return None
        n1 = " or ".join(self.terse(t) for t in first.terms if not self.is_positive(t))
        n2 = " or ".join(self.terse(t) for t in second.terms if not self.is_positive(t))
        both_dependencies = first.kind == second.kind == "dependency"
        verb = self._verb(first) if both_dependencies else "requires"
        text = f"{self.terse(p1, allow_every=True)} {verb} both {n1}"
        text += f" ({l1})" if l1 else ""
        text += f" and {n2}" + (f" ({l2})" if l2 else "")
        return text

    def _requires_through(
        self, first: Incompatibility, second: Incompatibility, l1: int | None, l2: int | None
    ) -> str | None:
        if not (self._simple_terms(first) and self._simple_terms(second)):
            return None
        if len(first.terms) == 1 or len(second.terms) == 1:
            return None
        n1, n2 = self._single(first, False), self._single(second, False)
        p1, p2 = self._single(first, True), self._single(second, True)
        if n1 is not None and p2 is not None and self._satisfies(self._flip(n1), p2):
            prior, negative, prior_line, latter, latter_line = first, n1, l1, second, l2
        elif n2 is not None and p1 is not None and self._satisfies(self._flip(n2), p1):
            prior, negative, prior_line, latter, latter_line = second, n2, l2, first, l1
        else:
            return None
        positives = [t for t in prior.terms if self.is_positive(t)]
        if not positives:
            return None
        if len(positives) > 1:
            text = f"if {' or '.join(self.terse(t) for t in positives)} then "
        else:
            text = f"{self.terse(positives[0], allow_every=True)} {self._verb(prior)} "
        text += self.terse(negative) + (f" ({prior_line})" if prior_line else "")
        latter_verb = "depends on" if latter.kind == "dependency" else "requires"
        wanted = " or ".join(self.terse(t) for t in latter.terms if not self.is_positive(t))
        text += f" which {latter_verb} {wanted}" + (f" ({latter_line})" if latter_line else "")
        return text

    def _requires_forbidden(
        self, first: Incompatibility, second: Incompatibility, l1: int | None, l2: int | None
    ) -> str | None:
        if len(first.terms) != 1 and len(second.terms) != 1:
            return None
        if len(first.terms) == 1:
            prior, latter, prior_line, latter_line = second, first, l2, l1
        else:
            prior, latter, prior_line, latter_line = first, second, l1, l2
        if latter.kind not in ("no_versions", "derived") or not self._simple_terms(prior):
            return None
        negative = self._single(prior, False)
        if negative is None or not self._satisfies(self._flip(negative), latter.terms[0]):
            return None
        positives = [t for t in prior.terms if self.is_positive(t)]
        if not positives:
            return None
        if len(positives) > 1:
            text = f"if {' or '.join(self.terse(t) for t in positives)} then "
        else:
            text = f"{self.terse(positives[0], allow_every=True)} {self._verb(prior)} "
        text += self.terse(latter.terms[0]) + (f" ({prior_line})" if prior_line else "")
        if latter.kind == "no_versions":
            text += " which doesn't match any versions"
        else:
            text += " which is forbidden"
        return text + (f" ({latter_line})" if latter_line else "")

    def _flip(self, term: Term) -> Term:
        return (term[0], term[2], term[1], term[3])


class _Explainer:
    """The line-writing walk over the derivation graph."""

    def __init__(self, text: _Text, root: Incompatibility) -> None:
        self.text = text
        self.root = root
        self.derivations: dict[Incompatibility, int] = {}
        self.lines: list[tuple[str, int | None]] = []
        self.line_numbers: dict[Incompatibility, int] = {}
        self._count_derivations(root)

    def _count_derivations(self, incompatibility: Incompatibility) -> None:
        stack = [incompatibility]
        while stack:
            current = stack.pop()
            if current in self.derivations:
                self.derivations[current] += 1
                continue
            self.derivations[current] = 1
            if current.causes is not None:
                stack.extend(current.causes)

    def write(self) -> str:
        if self.root.is_derived:
            self._visit(self.root)
        else:
            self._write(
                self.root, f"Because {self.text.describe(self.root)}, version solving failed."
            )
        width = len(f"({max(self.line_numbers.values())}) ") if self.line_numbers else 0
        rendered = []
        for message, number in self.lines:
            if not message:
                rendered.append("")
                continue
            prefix = f"({number}) ".ljust(width) if number is not None else " " * width
            rendered.append(prefix + message)
        return "\n".join(rendered)

    def _write(
        self, incompatibility: Incompatibility, message: str, numbered: bool = False
    ) -> None:
        if numbered:
            number = len(self.line_numbers) + 1
            self.line_numbers[incompatibility] = number
            self.lines.append((message, number))
        else:
            self.lines.append((message, None))

    def _visit(self, incompatibility: Incompatibility, conclusion: bool = False) -> None:
        text = self.text
        numbered = conclusion or self.derivations[incompatibility] > 1
        # "So," marks conclusions: numbered lines and the final verdict.
        conjunction = "So," if numbered or incompatibility is self.root else "And"
        described = text.describe(incompatibility)
        assert incompatibility.causes is not None
        conflict, other = incompatibility.causes
        if conflict.is_derived and other.is_derived:
            conflict_line = self.line_numbers.get(conflict)
            other_line = self.line_numbers.get(other)
            if conflict_line is not None and other_line is not None:
                both = text.conjunction(conflict, other, conflict_line, other_line)
                self._write(incompatibility, f"Because {both}, {described}.", numbered)
            elif conflict_line is not None or other_line is not None:
                if conflict_line is not None:
                    with_line, without_line, line = conflict, other, conflict_line
                else:
                    assert other_line is not None  # one of the two is numbered (the elif)
                    with_line, without_line, line = other, conflict, other_line
                self._visit(without_line)
                self._write(
                    incompatibility,
                    f"{conjunction} because {text.describe(with_line)} ({line}), {described}.",
                    numbered,
                )
            else:
                single_conflict = self._is_single_line(conflict)
                single_other = self._is_single_line(other)
                if single_conflict or single_other:
                    first, second = (conflict, other) if single_other else (other, conflict)
                    self._visit(first)
                    self._visit(second)
                    self._write(incompatibility, f"Thus, {described}.", numbered)
                else:
                    self._visit(conflict, conclusion=True)
                    self.lines.append(("", None))
                    self._visit(other)
                    self._write(
                        incompatibility,
                        f"{conjunction} because {text.describe(conflict)} "
                        f"({self.line_numbers[conflict]}), {described}.",
                        numbered,
                    )
        elif conflict.is_derived or other.is_derived:
            derived, external = (conflict, other) if conflict.is_derived else (other, conflict)
            derived_line = self.line_numbers.get(derived)
            if derived_line is not None:
                both = text.conjunction(external, derived, None, derived_line)
                self._write(incompatibility, f"Because {both}, {described}.", numbered)
            elif self._is_collapsible(derived):
                assert derived.causes is not None
                inner_conflict, inner_other = derived.causes
                if inner_conflict.is_derived:
                    collapsed_derived, collapsed_external = inner_conflict, inner_other
                else:
                    collapsed_derived, collapsed_external = inner_other, inner_conflict
                self._visit(collapsed_derived)
                both = text.conjunction(collapsed_external, external)
                self._write(
                    incompatibility, f"{conjunction} because {both}, {described}.", numbered
                )
            else:
                self._visit(derived)
                self._write(
                    incompatibility,
                    f"{conjunction} because {text.describe(external)}, {described}.",
                    numbered,
                )
        else:
            both = text.conjunction(conflict, other)
            self._write(incompatibility, f"Because {both}, {described}.", numbered)

    def _is_single_line(self, incompatibility: Incompatibility) -> bool:
        assert incompatibility.causes is not None
        first, second = incompatibility.causes
        return not first.is_derived and not second.is_derived

    def _is_collapsible(self, incompatibility: Incompatibility) -> bool:
        if self.derivations[incompatibility] > 1:
            return False
        assert incompatibility.causes is not None
        first, second = incompatibility.causes
        if first.is_derived and second.is_derived:
            return False
        if not first.is_derived and not second.is_derived:
            return False
        complex_cause = first if first.is_derived else second
        return complex_cause not in self.line_numbers


# Phrases that start with these words may be capitalised; anything else starts with a package
# name, whose case is significant.
_LEAD_WORDS = (
    "the request",
    "no version",
    "every version",
    "either ",
    "one of ",
    "if ",
    "version ",
)


def _capitalize(message: str) -> str:
    if message.startswith(_LEAD_WORDS):
        return message[:1].upper() + message[1:]
    return message


def _graph(root: Incompatibility) -> list[Incompatibility]:
    """Every incompatibility of the derivation graph, causes before what they caused."""
    order: list[Incompatibility] = []
    seen: set[Incompatibility] = set()
    stack: list[tuple[Incompatibility, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        if node.causes is not None:
            stack.extend((cause, False) for cause in reversed(node.causes))
    return order


def _structured(text: _Text, graph: list[Incompatibility]) -> list[IncompatibilityReport]:
    ids = {incompatibility: number for number, incompatibility in enumerate(graph, start=1)}
    reports = []
    for incompatibility in graph:
        terms = tuple(
            TermReport(
                package=ROOT_NAME if term[0] == ROOT else text.universe.name(term[0]),
                positive=text.is_positive(term),
                constraint=text.constraint(term) if term[0] != ROOT else "*",
                text=text.terse(term),
            )
            for term in incompatibility.terms
        )
        causes = tuple(ids[c] for c in incompatibility.causes or ())
        reports.append(
            IncompatibilityReport(
                id=ids[incompatibility],
                kind=incompatibility.kind,
                text=_capitalize(text.describe(incompatibility)),
                terms=terms,
                causes=causes,
            )
        )
    return reports


def _errors(text: _Text, graph: list[Incompatibility], explanation: str) -> list[str]:
    """Short reasons: unusable requirements, then conflicting requirements per package."""
    errors: list[str] = []
    requirements: dict[int, list[str]] = {}
    for incompatibility in graph:
        kind = incompatibility.kind
        if kind in (
            "no_versions",
            "unsatisfiable_dependency",
            "invalid_dependency",
            "self_dependency",
        ):
            errors.append(_capitalize(text.external(incompatibility)))
        elif kind == "dependency" and incompatibility.detail is not None:
            detail = incompatibility.detail
            depender = next(t for t in incompatibility.terms if t[0] == detail.depender)
            dependee = next(t for t in incompatibility.terms if t[0] != detail.depender)
            entry = f"{text.terse(depender, allow_every=True)} requires {text.terse(dependee)}"
            requirements.setdefault(dependee[0], [])
            if entry not in requirements[dependee[0]]:
                requirements[dependee[0]].append(entry)
    for pid, entries in requirements.items():
        if len(entries) > 1:
            errors.append(
                f"Conflicting requirements for {text.universe.name(pid)}: {'; '.join(entries)}"
            )
    if not errors:
        last = explanation.strip().splitlines()[-1].strip()
        errors.append(last.split(") ", 1)[1] if last.startswith("(") else last)
    return list(dict.fromkeys(errors))


def build_no_solution(
    universe: Universe, failure: Incompatibility, warnings: list[str] | None = None
) -> NoSolution:
    text = _Text(universe)
    explanation = _Explainer(text, failure).write()
    graph = _graph(failure)
    return NoSolution(
        explanation=explanation,
        incompatibilities=_structured(text, graph),
        errors=_errors(text, graph, explanation),
        warnings=list(warnings or []),
    )
