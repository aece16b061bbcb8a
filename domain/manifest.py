"""Mod and feature-pack manifests: where they are in a ZIP and what they mean.

Lookup follows REST_CONTRACT.md §6 and the field mapping §7:

- `find_manifest` picks the manifest path among the archive's names;
- `parse_manifest` reads it with a YAML *safe* loader that is size-limited, depth-limited and
  refuses alias-expansion bombs, and maps it onto `Manifest`;
- `compare_manifest` reports a name or version that differs from the upload as a warning,
  never a rejection (form fields win over the manifest).

Reading a manifest out of an archive is the strict ZIP reader's job, shared by publishing and
the scan: `domain.scanning.archive_manifest`.

Numbers in manifests are kept as written (`version: 1.10` stays "1.10", not the float 1.1):
the loader resolves only nulls, booleans and merge keys implicitly; every other scalar is text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from domain.bounds import MAX_MANIFEST_DEPENDENCIES, NAME_MAX_LENGTH, SPEC_MAX_LENGTH
from domain.enums import Architecture, Visibility
from domain.names import ARCH_ALIASES, FEATURE_PREFIX, name_key
from domain.versions import loose_version

MANIFEST_MAX_BYTES = 256 * 1024
# Nodes after alias expansion. A 256 KiB manifest without aliases holds far fewer; a "billion
# laughs" document reaches this after a handful of anchors.
MAX_EXPANDED_NODES = 100_000
MAX_NESTING = 64
MAX_DEPENDENCY_NAME = NAME_MAX_LENGTH
MAX_VERSION_SPEC = SPEC_MAX_LENGTH

TBCONFIG_FILE = "tbConfig.yaml"
FEATURE_FILE = "feature.yaml"

_REQUIREMENT_NAME = re.compile(r"^[A-Za-z0-9_-]+")
_TRUE_WORDS = frozenset({"true", "yes", "on", "1"})
_FALSE_WORDS = frozenset({"false", "no", "off", "0", ""})
_NULL_WORDS = frozenset({"", "~", "null"})
# A mapping with any of these keys is one `{name, version_spec|version, optional}` entry;
# any other mapping is the `{Name: spec}` form.
_MAPPING_FORM_KEYS = frozenset({"name", "version_spec", "version", "optional"})


class ManifestError(ValueError):
    """A manifest that cannot be used; `message` is user-facing."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ManifestKind(StrEnum):
    TBCONFIG = "tbconfig"  # package module: N/tbConfig.yaml or tbConfig.yaml
    SINGLE_FILE = "single"  # single-file module: N.yaml or N/N.yaml
    FEATURE = "feature"  # feature pack: feature.yaml


@dataclass(frozen=True, slots=True)
class DependencySpec:
    """One registry dependency as written: the name and the raw specifier text (`*` = any)."""

    name: str
    version_spec: str = "*"
    optional: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version_spec": self.version_spec, "optional": self.optional}


@dataclass
class Manifest:
    kind: ManifestKind
    path: str | None = None
    name: str | None = None
    version: str | None = None
    description: str | None = None
    license: str | None = None
    homepage: str | None = None
    repository: str | None = None
    display_name: str | None = None
    author: str | None = None
    keywords: list[str] = field(default_factory=list)
    # Optional curated category slugs (domain/categories.py); checked when a package is made.
    categories: list[str] = field(default_factory=list)
    toolbox_version: str | None = None
    visibility: str | None = None
    is_feature: bool = False
    dependencies: list[DependencySpec] = field(default_factory=list)
    # pip requirements (feature.yaml `dependencies`): stored for information, never resolved.
    python_requirements: list[str] = field(default_factory=list)
    # ModManager platforms (server, client, desktop, ...), not artifact platforms.
    platforms: list[str] = field(default_factory=list)
    # CPU architectures (domain.enums.Architecture values, aliases such as amd64 mapped);
    # unknown ones are dropped with a warning. [] = any architecture.
    architectures: list[str] = field(default_factory=list)
    # Fields that were present but unusable (a list where text belongs, ...), skipped.
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": str(self.kind),
            "path": self.path,
            "name": self.name,
            "version": self.version,
            "description": self.description,
            "license": self.license,
            "homepage": self.homepage,
            "repository": self.repository,
            "display_name": self.display_name,
            "author": self.author,
            "keywords": list(self.keywords),
            "categories": list(self.categories),
            "toolbox_version": self.toolbox_version,
            "visibility": self.visibility,
            "is_feature": self.is_feature,
            "dependencies": [dep.to_dict() for dep in self.dependencies],
            "python_requirements": list(self.python_requirements),
            "platforms": list(self.platforms),
            "architectures": list(self.architectures),
            "warnings": list(self.warnings),
        }


# --- lookup -------------------------------------------------------------------------------


def manifest_candidates(package_name: str) -> list[str]:
    """The §6 lookup order for package `N`."""
    n = package_name
    return [f"{n}/{TBCONFIG_FILE}", TBCONFIG_FILE, f"{n}.yaml", f"{n}/{n}.yaml", FEATURE_FILE]


def find_manifest(names: Iterable[str], package_name: str) -> str | None:
    """The archive name of the manifest, or None.

    Exact spellings win over case-insensitive ones: every candidate is first tried exactly, in
    the §6 order, and only then case-insensitively, in the same order. Folder entries (names
    ending in `/`) never match.
    """
    files = [name for name in names if not name.endswith("/")]
    present = set(files)
    candidates = manifest_candidates(package_name)
    for candidate in candidates:
        if candidate in present:
            return candidate
    by_folded: dict[str, str] = {}
    for name in files:
        by_folded.setdefault(name.casefold(), name)
    for candidate in candidates:
        match = by_folded.get(candidate.casefold())
        if match is not None:
            return match
    return None


def find_feature_manifest(names: Iterable[str]) -> str | None:
    """`feature.yaml` at the archive root (exact spelling first)."""
    files = [name for name in names if not name.endswith("/")]
    if FEATURE_FILE in files:
        return FEATURE_FILE
    return next((name for name in files if name.casefold() == FEATURE_FILE), None)


def manifest_kind_for(path: str) -> ManifestKind:
    """What kind of manifest an archive path found by `find_manifest` holds."""
    base = path.rsplit("/", 1)[-1].casefold()
    if base == TBCONFIG_FILE.casefold():
        return ManifestKind.TBCONFIG
    if base == FEATURE_FILE and "/" not in path:
        return ManifestKind.FEATURE
    return ManifestKind.SINGLE_FILE


# --- safe YAML ----------------------------------------------------------------------------

_KEPT_IMPLICIT_TAGS = frozenset(
    {"tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:merge"}
)


class _ManifestLoader(yaml.SafeLoader):
    """SafeLoader with bounded nesting; ints, floats and timestamps stay text."""

    yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag in _KEPT_IMPLICIT_TAGS]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nesting = 0

    def compose_node(self, parent: Node | None, index: object) -> Node | None:
        self._nesting += 1
        try:
            if self._nesting > MAX_NESTING:
                raise ManifestError(f"the YAML nests deeper than {MAX_NESTING} levels")
            # types-PyYAML says `index: int`, but a mapping passes the key node as the index.
            return super().compose_node(parent, index)  # type: ignore[arg-type]
        finally:
            self._nesting -= 1


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_expansion(root: Node) -> None:
    """Refuse alias cycles and documents that expand past MAX_EXPANDED_NODES.

    Aliases share nodes, so the composed graph of a "billion laughs" document is small; it is
    the expansion (what any consumer walking the data sees) that explodes. Sizes are memoised
    per node, so this walk is linear in the composed graph.
    """
    sizes: dict[int, int] = {}
    in_progress: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            in_progress.discard(key)
            size = 1 + sum(sizes[id(child)] for child in _children(node))
            if size > MAX_EXPANDED_NODES:
                raise ManifestError(
                    f"the YAML expands to more than {MAX_EXPANDED_NODES} nodes (alias bomb?)"
                )
            sizes[key] = size
            continue
        if key in sizes:
            continue
        if key in in_progress:
            raise ManifestError("the YAML contains a recursive alias")
        in_progress.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in sizes)


def _decode(text: bytes | str, max_bytes: int) -> str:
    if isinstance(text, str):
        if len(text.encode("utf-8", "surrogatepass")) > max_bytes:
            raise ManifestError(f"the manifest is larger than {max_bytes} bytes")
        return text
    if len(text) > max_bytes:
        raise ManifestError(f"the manifest is larger than {max_bytes} bytes")
    if text.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        encoding = "utf-8-sig"
    try:
        return text.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ManifestError(f"the manifest is not valid {encoding.upper()}: {exc.reason}") from None


def _first_line(error: Exception) -> str:
    return next(iter(str(error).splitlines()), "") or "invalid YAML"


def load_yaml(text: bytes | str, *, max_bytes: int = MANIFEST_MAX_BYTES) -> Any:
    """Safely load one YAML document with the manifest limits; raises ManifestError."""
    source = _decode(text, max_bytes)
    try:
        loader = _ManifestLoader(source)
    except yaml.YAMLError as exc:  # the reader refuses control characters up front
        raise ManifestError(f"the manifest is not valid YAML: {_first_line(exc)}") from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_expansion(node)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        where = ""
        if exc.problem_mark is not None:
            where = f" at line {exc.problem_mark.line + 1}, column {exc.problem_mark.column + 1}"
        problem = exc.problem or exc.context or "invalid YAML"
        raise ManifestError(f"the manifest is not valid YAML{where}: {problem}") from None
    except yaml.YAMLError as exc:
        raise ManifestError(f"the manifest is not valid YAML: {_first_line(exc)}") from None
    except RecursionError:
        raise ManifestError("the YAML nests too deeply") from None
    finally:
        loader.dispose()


# --- mapping ------------------------------------------------------------------------------


def _is_null(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in _NULL_WORDS)


def _scalar_text(value: object) -> str | None:
    """Text for a YAML scalar (bools as true/false), None for null or non-scalars."""
    if _is_null(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value).strip() or None
    if hasattr(value, "isoformat"):  # explicit !!timestamp
        return str(value)
    return None


def _text_field(data: Mapping[str, Any], key: str, warnings: list[str]) -> str | None:
    value = data.get(key)
    if _is_null(value):
        return None
    text = _scalar_text(value)
    if text is None and isinstance(value, list) and all(_scalar_text(v) for v in value):
        text = ", ".join(_scalar_text(v) or "" for v in value)  # `author: [Ann, Bob]`
    if text is None:
        warnings.append(f"'{key}' should be text; it was ignored")
    return text


def _keywords(data: Mapping[str, Any], warnings: list[str], key: str = "keywords") -> list[str]:
    value = data.get(key)
    source = key
    if _is_null(value):
        metadata = data.get("metadata")
        value = metadata.get(key) if isinstance(metadata, dict) else None
        source = f"metadata.{key}"
    if _is_null(value):
        return []
    if isinstance(value, str):
        return [word.strip() for word in value.split(",") if word.strip()]
    if isinstance(value, list):
        words = [_scalar_text(item) for item in value]
        return [word for word in words if word]
    warnings.append(f"'{source}' should be a list; it was ignored")
    return []


MAX_ARCHITECTURES = 10


def _architectures(value: object, warnings: list[str]) -> list[str]:
    """The manifest's `architectures` list as Architecture values (aliases mapped)."""
    if _is_null(value):
        return []
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list):
        warnings.append("'architectures' should be a list; it was ignored")
        return []
    found: list[str] = []
    for item in value[:MAX_ARCHITECTURES]:
        text = (_scalar_text(item) or "").lower()
        known = ARCH_ALIASES.get(text, text)
        if known in set(Architecture):
            found.append(str(known))
        else:
            shown = text if len(text) <= 40 else text[:40] + "..."
            warnings.append(
                f"'architectures' entry {shown!r} is not one of {', '.join(Architecture)}; "
                "it was ignored"
            )
    if len(value) > MAX_ARCHITECTURES:
        warnings.append(
            f"'architectures' lists more than {MAX_ARCHITECTURES}; the rest was ignored"
        )
    return list(dict.fromkeys(found))


def _platform_names(value: object, warnings: list[str]) -> list[str]:
    if _is_null(value):
        return []
    if isinstance(value, dict):
        return [str(key) for key in value]
    if isinstance(value, list):
        return [text for item in value if (text := _scalar_text(item))]
    if isinstance(value, str):
        return [value.strip()]
    warnings.append("'platforms' should be a list or a mapping; it was ignored")
    return []


def _as_bool(value: object, what: str, warnings: list[str]) -> bool:
    if isinstance(value, bool):
        return value
    if _is_null(value):
        return False
    text = str(value).strip().lower()
    if text in _TRUE_WORDS:
        return True
    if text in _FALSE_WORDS:
        return False
    warnings.append(f"{what}: 'optional' should be true or false; false was assumed")
    return False


def _spec_text(value: object) -> str | None:
    """The specifier of a dependency; '*' when empty; None when not a scalar."""
    if _is_null(value):
        return "*"
    return _scalar_text(value)


def parse_requirement(text: str) -> DependencySpec | None:
    """`CloudM`, `CloudM>=2.0.0`, `some-mod >= 1.0.0 < 2.0.0`: the name, then the rest as spec."""
    stripped = text.strip()
    match = _REQUIREMENT_NAME.match(stripped)
    if match is None:
        return None
    spec = stripped[match.end() :].strip()
    return DependencySpec(name=match.group(0), version_spec=spec or "*")


def _accept(dep: DependencySpec, what: str, out: list[DependencySpec], warnings: list[str]) -> None:
    if len(dep.name) > MAX_DEPENDENCY_NAME:
        warnings.append(f"{what}: the name is longer than {MAX_DEPENDENCY_NAME} characters")
    elif len(dep.version_spec) > MAX_VERSION_SPEC:
        warnings.append(f"{what}: the version spec is longer than {MAX_VERSION_SPEC} characters")
    else:
        out.append(dep)


def _mapping_dependency(
    item: Mapping[Any, Any], where: str, out: list[DependencySpec], warnings: list[str]
) -> None:
    """`{name, version_spec|version, optional?}`."""
    raw_name = _scalar_text(item.get("name"))
    base = parse_requirement(raw_name) if raw_name else None
    if base is None:
        warnings.append(f"{where}: entry {dict(item)!r} has no usable name; it was skipped")
        return
    raw_spec = item.get("version_spec", item.get("version"))
    spec = base.version_spec if _is_null(raw_spec) else _spec_text(raw_spec)
    if spec is None:
        warnings.append(f"{where}: {base.name}: the version spec should be text; it was skipped")
        return
    optional = _as_bool(item.get("optional"), f"{where}: {base.name}", warnings)
    _accept(DependencySpec(base.name, spec, optional), f"{where}: {base.name}", out, warnings)


def _map_dependencies(
    item: Mapping[Any, Any], where: str, out: list[DependencySpec], warnings: list[str]
) -> None:
    """`{Name: spec}` (spec may also be `{version_spec|version, optional}`)."""
    for key, value in item.items():
        raw_name = _scalar_text(key)
        dep = parse_requirement(raw_name) if raw_name else None
        if dep is None or dep.version_spec != "*":
            warnings.append(f"{where}: {key!r} is not a dependency name; it was skipped")
            continue
        if isinstance(value, dict):
            _mapping_dependency({**value, "name": dep.name}, where, out, warnings)
            continue
        spec = _spec_text(value)
        if spec is None:
            warnings.append(f"{where}: {dep.name}: the version spec should be text; skipped")
            continue
        _accept(DependencySpec(dep.name, spec), f"{where}: {dep.name}", out, warnings)


def parse_dependencies(
    value: object, *, where: str = "dependencies"
) -> tuple[list[DependencySpec], list[str]]:
    """Every §7 entry form, in order. Unusable entries are skipped with a warning; a value
    that is neither a list, a mapping nor a string is a ManifestError."""
    deps: list[DependencySpec] = []
    warnings: list[str] = []
    if _is_null(value):
        return deps, warnings
    if isinstance(value, str):
        value = [value]
    elif isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise ManifestError(f"'{where}' must be a list or a mapping")
    for item in value:
        if isinstance(item, str):
            dep = parse_requirement(item)
            if dep is None:
                warnings.append(f"{where}: {item!r} is not a requirement; it was skipped")
            else:
                _accept(dep, f"{where}: {dep.name}", deps, warnings)
        elif isinstance(item, dict):
            if item.keys() & _MAPPING_FORM_KEYS:
                _mapping_dependency(item, where, deps, warnings)
            else:
                _map_dependencies(item, where, deps, warnings)
        elif _is_null(item):
            continue
        else:
            warnings.append(f"{where}: {item!r} is not a requirement; it was skipped")
        # Refused rather than cut short: a version that silently lost dependencies would
        # resolve to installs that miss them. Checked per entry, as `{Name: spec}` mappings
        # hold many.
        if len(deps) > MAX_MANIFEST_DEPENDENCIES:
            raise ManifestError(
                f"'{where}' lists more than {MAX_MANIFEST_DEPENDENCIES} dependencies"
            )
    return deps, warnings


def _feature_requires(value: object, warnings: list[str]) -> list[DependencySpec]:
    """feature.yaml `requires: [web]` -> dependencies on `tbv2-feature-web`."""
    specs, problems = parse_dependencies(value, where="requires")
    warnings.extend(problems)
    result = []
    for spec in specs:
        name = (
            spec.name
            if name_key(spec.name).startswith(FEATURE_PREFIX)
            else (FEATURE_PREFIX + spec.name)
        )
        result.append(DependencySpec(name, spec.version_spec, spec.optional))
    return result


def _python_requirements(value: object, warnings: list[str]) -> list[str]:
    if _is_null(value):
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        warnings.append("'dependencies' (pip packages) should be a list; it was ignored")
        return []
    return [text for item in items if (text := _scalar_text(item))]


def _coerce_kind(kind: ManifestKind | str) -> ManifestKind:
    if isinstance(kind, ManifestKind):
        return kind
    aliases = {
        "mod": ManifestKind.TBCONFIG,
        TBCONFIG_FILE.casefold(): ManifestKind.TBCONFIG,
        FEATURE_FILE: ManifestKind.FEATURE,
        "single_file": ManifestKind.SINGLE_FILE,
    }
    folded = kind.casefold()
    if folded in aliases:
        return aliases[folded]
    try:
        return ManifestKind(folded)
    except ValueError:
        raise ValueError(f"unknown manifest kind {kind!r}") from None


def parse_manifest(
    text: bytes | str,
    kind: ManifestKind | str = ManifestKind.TBCONFIG,
    *,
    path: str | None = None,
    max_bytes: int = MANIFEST_MAX_BYTES,
) -> Manifest:
    """Parse a manifest's bytes; raises ManifestError with a readable message."""
    manifest_kind = _coerce_kind(kind)
    label = (
        path
        or {
            ManifestKind.TBCONFIG: TBCONFIG_FILE,
            ManifestKind.FEATURE: FEATURE_FILE,
            ManifestKind.SINGLE_FILE: "the manifest",
        }[manifest_kind]
    )
    try:
        data = load_yaml(text, max_bytes=max_bytes)
    except ManifestError as exc:
        raise ManifestError(f"{label}: {exc.message}") from None
    if data is None:
        raise ManifestError(f"{label} is empty")
    if not isinstance(data, dict):
        raise ManifestError(f"{label} must be a YAML mapping, not a {type(data).__name__}")

    warnings: list[str] = []
    manifest = Manifest(kind=manifest_kind, path=path, warnings=warnings)
    if manifest_kind is ManifestKind.TBCONFIG:
        manifest.name = _text_field(data, "module_name", warnings) or _text_field(
            data, "name", warnings
        )
    elif manifest_kind is ManifestKind.SINGLE_FILE:
        manifest.name = _text_field(data, "name", warnings) or _text_field(
            data, "module_name", warnings
        )
    else:
        manifest.name = _text_field(data, "name", warnings)
    manifest.version = _text_field(data, "version", warnings)
    manifest.description = _text_field(data, "description", warnings)
    manifest.license = _text_field(data, "license", warnings)
    manifest.homepage = _text_field(data, "homepage", warnings)
    manifest.repository = _text_field(data, "repository", warnings)
    manifest.display_name = _text_field(data, "display_name", warnings)
    manifest.author = _text_field(data, "author", warnings)
    manifest.keywords = _keywords(data, warnings)
    manifest.categories = _keywords(data, warnings, "categories")
    manifest.toolbox_version = _text_field(data, "toolbox_version", warnings)
    visibility = _text_field(data, "visibility", warnings)
    if visibility is not None and visibility.lower() not in set(Visibility):
        warnings.append(f"'visibility' {visibility!r} is not one of {', '.join(Visibility)}")
        visibility = None
    manifest.visibility = visibility.lower() if visibility else None

    try:
        if manifest_kind is ManifestKind.FEATURE:
            manifest.is_feature = True
            manifest.dependencies = _feature_requires(data.get("requires"), warnings)
            manifest.python_requirements = _python_requirements(data.get("dependencies"), warnings)
        else:
            manifest.dependencies, problems = parse_dependencies(data.get("dependencies"))
            warnings.extend(problems)
            manifest.platforms = _platform_names(data.get("platforms"), warnings)
            manifest.architectures = _architectures(data.get("architectures"), warnings)
    except ManifestError as exc:
        raise ManifestError(f"{label}: {exc.message}") from None
    return manifest


# --- comparison ---------------------------------------------------------------------------


def compare_manifest(manifest: Manifest, name: str | None, version: str | None) -> list[str]:
    """Warnings for a manifest name or version that differs from the upload's (§6).

    Names compare case-insensitively (package identity is case-insensitive); versions by
    PEP 440 equality when both parse, else as text. A feature.yaml names the feature without
    the `tbv2-feature-` prefix, which §6 lists as a mismatch worth a warning.
    """
    warnings: list[str] = []
    where = manifest.path or "the manifest"
    if name and manifest.name and name_key(manifest.name) != name_key(name):
        warnings.append(
            f"{where} names the package {manifest.name!r} but it was uploaded as {name!r}; "
            f"{name!r} is used"
        )
    if version and manifest.version and not _same_version(manifest.version, version):
        warnings.append(
            f"{where} says version {manifest.version!r} but it was uploaded as {version!r}; "
            f"{version!r} is used"
        )
    return warnings


def _same_version(left: str, right: str) -> bool:
    parsed_left, parsed_right = loose_version(left), loose_version(right)
    if parsed_left is not None and parsed_right is not None:
        return parsed_left == parsed_right
    return left.strip() == right.strip()
