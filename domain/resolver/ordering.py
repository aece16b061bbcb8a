"""Install order for a resolved set: dependencies first, cycles broken deterministically."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

__all__ = ["install_order"]


def install_order(
    graph: Mapping[str, Sequence[str]],
) -> tuple[list[str], list[list[str]]]:
    """Order ``graph``'s nodes so every node comes after what it points to, where possible.

    ``graph`` maps a package to the packages it depends on (all must be keys). Returns the order
    and the dependency cycles found (strongly connected components with more than one member,
    or a package depending on itself). Tarjan's algorithm emits components dependencies-first;
    members of one component are ordered by name, so the result never depends on dict order.
    Iterative, so deep chains do not hit the recursion limit.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    order: list[str] = []
    cycles: list[list[str]] = []
    counter = 0

    def neighbours(node: str) -> Iterator[str]:
        return iter(sorted(set(graph[node])))

    for start in sorted(graph):
        if start in index:
            continue
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        work: list[tuple[str, Iterator[str]]] = [(start, neighbours(start))]
        while work:
            node, pending = work[-1]
            descended = False
            for target in pending:
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, neighbours(target)))
                    descended = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            if descended:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] != index[node]:
                continue
            component: list[str] = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            component.sort()
            order.extend(component)
            if len(component) > 1 or node in graph[node]:
                cycles.append(component)
    return order, cycles
