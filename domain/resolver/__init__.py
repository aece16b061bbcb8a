"""Dependency resolution: a PubGrub solver over an abstract, synchronous package source.

Typical use::

    from domain.resolver import Candidate, Dependency, InMemorySource, solve

    source = InMemorySource({"a": [Candidate("1.0.0", dependencies=(Dependency("b", "^1"),))],
                             "b": [Candidate("1.2.0")]})
    result = solve(["a"], source, toolbox_version="0.1.20")
    if result.success: ...   # Resolution: .packages, .install_order, .warnings
    else: ...                # NoSolution: .explanation, .incompatibilities, .errors
"""

from domain.ranges import InvalidRange, InvalidRequirement, Requirement, parse_requirement
from domain.resolver.memory import InMemorySource
from domain.resolver.model import (
    Candidate,
    Dependency,
    IncompatibilityReport,
    NoSolution,
    PackageSource,
    Resolution,
    ResolvedDependency,
    ResolvedPackage,
    TermReport,
)
from domain.resolver.solver import InvalidToolboxVersion, RootRequirement, not_found, solve
from domain.resolver.universe import ROOT_NAME

__all__ = [
    "ROOT_NAME",
    "Candidate",
    "Dependency",
    "InMemorySource",
    "IncompatibilityReport",
    "InvalidRange",
    "InvalidRequirement",
    "InvalidToolboxVersion",
    "NoSolution",
    "PackageSource",
    "Requirement",
    "Resolution",
    "ResolvedDependency",
    "ResolvedPackage",
    "RootRequirement",
    "TermReport",
    "not_found",
    "parse_requirement",
    "solve",
]
