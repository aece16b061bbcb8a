"""The PubGrub core: unit propagation, decision making, conflict-driven learning.

Follows Natalie Weizenbaum's description of the algorithm (pub's ``doc/solver.md``), with
terms encoded as bitsets (see :mod:`domain.resolver.incompatibility`). The partial solution is
kept incrementally: per package, the intersection of its assignments is a single integer that
is updated on every assignment and recomputed only for packages touched by a backtrack.

One deliberate departure: *chronological backtracking* (Nadel & Ryvchin, SAT 2018). After a
conflict, PubGrub backjumps to the level where the learned incompatibility becomes unit, which
can discard dozens of unrelated decisions that are then re-made identically. When the jump
would undo more than :data:`LONG_JUMP` levels, we only undo the conflicting level. That is
sound for any target between the two levels: every term but one stays satisfied by the kept
assignments, the satisfier is removed, so the learned incompatibility is still unit and
propagates (at a higher level than strictly needed). On the synthetic 5,000-package registry
this cuts decisions several-fold. After :data:`CHRONOLOGICAL_BUDGET` conflicts the solver falls
back to plain backjumping, so the standard termination argument applies to every solve.
"""

from __future__ import annotations

import heapq

from domain.resolver.incompatibility import Incompatibility, Term
from domain.resolver.universe import ROOT, ROOT_NONE, Universe

__all__ = ["PubGrubSolver", "SolveFailure"]


LONG_JUMP = 10
CHRONOLOGICAL_BUDGET = 5000


class SolveFailure(Exception):
    """Raised internally when conflict resolution derives that the root cannot be selected."""

    def __init__(self, incompatibility: Incompatibility) -> None:
        super().__init__("version solving failed")
        self.incompatibility = incompatibility


class PubGrubSolver:
    """One solve over a :class:`Universe`. Call :meth:`run`, then read :attr:`decisions`."""

    def __init__(self, universe: Universe) -> None:
        self.universe = universe
        # Per package, the incompatibilities mentioning it, grouped by that package's term
        # (keyed by the set the term forbids). When a package's assignment changes, only the
        # groups whose term it now satisfies can become (almost) satisfied, so a popular
        # package with hundreds of dependents is checked per distinct range, not per dependent.
        self._watch: list[dict[int, list[Incompatibility]]] = []
        # Partial solution, as parallel arrays of assignments (append-only between backtracks).
        self._assigned_package: list[int] = []
        self._assigned_mask: list[int] = []
        self._assigned_level: list[int] = []
        self._assigned_cause: list[Incompatibility | None] = []  # None marks a decision
        self._package_assignments: list[list[int]] = []  # package -> its assignment indices
        self._current: list[int] = []  # package -> intersection of its assignments
        self._decided: list[int] = []  # package -> chosen candidate index, -1 if none
        self._none: list[int] = []  # package -> its "not selected" bit
        self._full: list[int] = []  # package -> every bit
        self._level = 0
        # Packages waiting for a decision: (allowed version count, first seen, package, mask).
        self._queue: list[tuple[int, int, int, int]] = []
        self._first_seen: dict[int, int] = {}
        self.decision_count = 0
        self.conflict_count = 0

    # -- bookkeeping ---------------------------------------------------------------------

    def _sync_packages(self) -> None:
        """Extend the per-package arrays to packages the universe loaded since last time."""
        packages = self.universe.packages
        for pid in range(len(self._current), len(packages)):
            package = packages[pid]
            self._watch.append({})
            self._package_assignments.append([])
            self._current.append(package.full)
            self._decided.append(-1)
            self._none.append(package.none)
            self._full.append(package.full)

    def _add_incompatibility(self, incompatibility: Incompatibility) -> None:
        if len(self._current) < len(self.universe.packages):
            self._sync_packages()
        watch = self._watch
        for pid, _, negated, _ in incompatibility.terms:
            group = watch[pid].get(negated)
            if group is None:
                watch[pid][negated] = [incompatibility]
            else:
                group.append(incompatibility)

    def _assign(self, pid: int, mask: int, cause: Incompatibility | None) -> None:
        index = len(self._assigned_package)
        self._assigned_package.append(pid)
        self._assigned_mask.append(mask)
        self._assigned_level.append(self._level)
        self._assigned_cause.append(cause)
        self._package_assignments[pid].append(index)
        current = self._current[pid] & mask
        self._current[pid] = current
        if cause is not None and self._decided[pid] < 0 and not current & self._none[pid]:
            self._enqueue(pid, current)

    def _enqueue(self, pid: int, mask: int) -> None:
        # PubGrub's heuristic: the package with the fewest allowed versions first (conflicts
        # surface sooner); ties go to the package seen first, which keeps the order stable.
        first = self._first_seen.get(pid)
        if first is None:
            first = self._first_seen[pid] = len(self._first_seen)
        heapq.heappush(self._queue, (mask.bit_count(), first, pid, mask))

    def _backtrack(self, level: int) -> None:
        touched: list[int] = []
        levels = self._assigned_level
        while levels and levels[-1] > level:
            pid = self._assigned_package.pop()
            self._assigned_mask.pop()
            levels.pop()
            if self._assigned_cause.pop() is None:
                self._decided[pid] = -1
            self._package_assignments[pid].pop()
            touched.append(pid)
        self._level = level
        for pid in dict.fromkeys(touched):
            mask = self._full[pid]
            for index in self._package_assignments[pid]:
                mask &= self._assigned_mask[index]
            self._current[pid] = mask
            if self._decided[pid] < 0 and not mask & self._none[pid]:
                self._enqueue(pid, mask)

    def _satisfier(self, pid: int, forbidden: int) -> int:
        """Index of the earliest assignment after which ``pid``'s intersection avoids ``forbidden``.

        With ``forbidden = full ^ term`` this finds the satisfier of ``term``.
        """
        mask = self._full[pid]
        assigned = self._assigned_mask
        for index in self._package_assignments[pid]:
            mask &= assigned[index]
            if not mask & forbidden:
                return index
        raise AssertionError("term is not satisfied by the partial solution")

    # -- main loop -----------------------------------------------------------------------

    def run(self) -> None:
        """Solve; raises :class:`SolveFailure` when no solution exists."""
        self._sync_packages()
        root = self.universe.packages[ROOT]
        root_incompatibility = Incompatibility(((ROOT, root.none, root.all, None),), "root")
        self._add_incompatibility(root_incompatibility)
        self._propagate(None, [root_incompatibility])
        while True:
            decided = self._decide()
            if decided is None:
                break
            self._propagate(*decided)
            pid = decided[0]
            # `_decide` may turn a version down without deciding (its new facts would be
            # satisfied outright). The package has left the queue then, and when propagation
            # assigns it nothing new (hypothesis found cases with a self-dependency), nothing
            # put it back: it ended "left undecided" although selected. Queue it again; its
            # facts are known now, so the next turn decides or derives a conflict as usual.
            if self._decided[pid] < 0 and not self._current[pid] & self._none[pid]:
                self._enqueue(pid, self._current[pid])
        for pid, state in enumerate(self._current):
            # Every package the solution requires must have been given a version.
            if not state & self._none[pid] and self._decided[pid] < 0:
                raise AssertionError(f"package {self.universe.name(pid)} was left undecided")

    @property
    def decisions(self) -> dict[int, int]:
        """Chosen candidate index per package id (the root excluded)."""
        return {pid: index for pid, index in enumerate(self._decided) if index >= 0 and pid}

    def _examine(self, incompatibility: Incompatibility) -> int | None:
        """Derive from ``incompatibility`` if it is almost satisfied, resolve it if satisfied.

        Returns the package that received a new assignment, if any.
        """
        current = self._current
        unsatisfied: Term | None = None
        for term in incompatibility.terms:
            state = current[term[0]]
            if not state & term[2]:
                continue  # satisfied
            if not state & term[1] or unsatisfied is not None:
                return None  # contradicted, or two inconclusive terms: nothing to learn
            unsatisfied = term
        if unsatisfied is None:
            incompatibility = self._resolve_conflict(incompatibility)
            unsatisfied = self._unsatisfied_term(incompatibility)
        self._assign(unsatisfied[0], unsatisfied[2], incompatibility)
        return unsatisfied[0]

    def _propagate(self, start: int | None, fresh: list[Incompatibility]) -> None:
        """Unit propagation from ``start`` and from incompatibilities never examined yet."""
        changed: list[int] = []
        queued: set[int] = set()
        conflicts_before = self.conflict_count
        for incompatibility in fresh:
            target = self._examine(incompatibility)
            if target is not None and target not in queued:
                queued.add(target)
                changed.append(target)
        if start is not None and self.conflict_count == conflicts_before and start not in queued:
            queued.add(start)
            changed.append(start)
        current = self._current
        while changed:
            pid = changed.pop()
            queued.discard(pid)
            state = current[pid]
            restart = False
            for forbidden, group in self._watch[pid].items():
                if state & forbidden:
                    continue  # this package's term is not satisfied: no group member can fire
                position = len(group)
                while position:
                    position -= 1
                    incompatibility = group[position]
                    conflicts = self.conflict_count
                    target = self._examine(incompatibility)
                    if target is None:
                        continue
                    if self.conflict_count != conflicts:
                        # Backjumped: start over from the package the learned fact is about.
                        changed = [target]
                        queued = {target}
                        restart = True
                        break
                    if target not in queued:
                        queued.add(target)
                        changed.append(target)
                if restart:
                    break

    def _unsatisfied_term(self, incompatibility: Incompatibility) -> Term:
        current = self._current
        for term in incompatibility.terms:
            if current[term[0]] & term[2]:
                return term
        raise AssertionError("learned incompatibility is still satisfied after backtracking")

    def _decide(self) -> tuple[int, list[Incompatibility]] | None:
        """Pick the next package and version; returns the package and its new facts."""
        queue = self._queue
        while queue:
            _, _, pid, mask = heapq.heappop(queue)
            if self._decided[pid] >= 0 or self._current[pid] != mask:
                continue  # stale entry: decided meanwhile, or a newer entry exists
            break
        else:
            return None
        if mask == 0:
            term = (pid, 0, self._full[pid], self._positive_label(pid))
            incompatibility = Incompatibility((term,), "no_versions")
            self._add_incompatibility(incompatibility)
            return pid, [incompatibility]
        index = (mask & -mask).bit_length() - 1  # lowest bit = newest allowed candidate
        fresh = self.universe.new_dependency_incompatibilities(pid, index)
        conflict = False
        current = self._current
        chosen = 1 << index
        for incompatibility in fresh:
            self._add_incompatibility(incompatibility)
            if conflict:
                continue
            # Would choosing this version satisfy the new fact outright? Then don't choose it;
            # propagation will rule it (and its siblings sharing the fact) out instead. The
            # fact's own term must contain the version: a self-dependency only forbids the
            # versions outside its range.
            for term in incompatibility.terms:
                if term[0] == pid:
                    if chosen & term[2]:
                        break
                elif current[term[0]] & term[2]:
                    break
            else:
                conflict = True
        if not conflict:
            self._level += 1
            self.decision_count += 1
            self._decided[pid] = index
            self._assign(pid, 1 << index, None)
        return pid, fresh

    def _positive_label(self, pid: int) -> str | None:
        """The user's wording for a package's current constraint, when one assignment gives it."""
        current = self._current[pid]
        for index in self._package_assignments[pid]:
            cause = self._assigned_cause[index]
            if cause is None or self._assigned_mask[index] != current:
                continue
            for term_pid, _, negated, label in cause.terms:
                if term_pid == pid and negated == current:
                    return label
        return None

    # -- conflict resolution -------------------------------------------------------------

    def _resolve_conflict(self, incompatibility: Incompatibility) -> Incompatibility:
        self.conflict_count += 1
        original = incompatibility
        levels = self._assigned_level
        while True:
            terms = incompatibility.terms
            if not terms or (
                len(terms) == 1 and terms[0][0] == ROOT and not terms[0][1] & ROOT_NONE
            ):
                raise SolveFailure(incompatibility)
            satisfier = -1
            satisfier_term: Term | None = None
            previous_level = 1
            difference = 0
            for term in terms:
                pid, mask, negated, _ = term
                index = self._satisfier(pid, negated)
                if satisfier_term is None:
                    satisfier, satisfier_term = index, term
                elif satisfier < index:
                    previous_level = max(previous_level, levels[satisfier])
                    satisfier, satisfier_term = index, term
                    difference = 0
                else:
                    previous_level = max(previous_level, levels[index])
                if satisfier_term is term:
                    # The satisfier may only finish the job started by earlier assignments
                    # (e.g. ">=1" then "<2" satisfy "^1"); the remainder's satisfier counts too.
                    difference = self._assigned_mask[satisfier] & negated
                    if difference:
                        previous_level = max(
                            previous_level, levels[self._satisfier(pid, difference)]
                        )
            assert satisfier_term is not None
            cause = self._assigned_cause[satisfier]
            if cause is None or previous_level != levels[satisfier]:
                if incompatibility is not original:
                    self._add_incompatibility(incompatibility)
                target = previous_level
                if (
                    levels[satisfier] - previous_level > LONG_JUMP
                    and self.conflict_count <= CHRONOLOGICAL_BUDGET
                ):
                    target = levels[satisfier] - 1
                self._backtrack(target)
                return incompatibility
            satisfier_pid = satisfier_term[0]
            merged = [t for t in terms if t is not satisfier_term]
            merged.extend(t for t in cause.terms if t[0] != satisfier_pid)
            if difference:
                full = self._full[satisfier_pid]
                merged.append((satisfier_pid, full ^ difference, difference, None))
            incompatibility = Incompatibility(
                self._normalize(merged), "derived", causes=(incompatibility, cause)
            )

    def _normalize(self, terms: list[Term]) -> tuple[Term, ...]:
        """One term per package (intersections), positive root terms dropped when redundant."""
        by_package: dict[int, Term] = {}
        for term in terms:
            pid, mask, _, label = term
            existing = by_package.get(pid)
            if existing is None:
                by_package[pid] = term
                continue
            combined = existing[1] & mask
            if combined == existing[1]:
                kept_label = existing[3]
            elif combined == mask:
                kept_label = label
            else:
                kept_label = None
            full = self._full[pid]
            by_package[pid] = (pid, combined, full ^ combined, kept_label)
        result = tuple(by_package.values())
        if len(result) > 1:
            # The root is always selected, so a positive root term adds nothing.
            result = tuple(t for t in result if not (t[0] == ROOT and not t[1] & ROOT_NONE))
        return result
