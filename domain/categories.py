"""Curated package categories: the list a package picks from (at most three), with defaults
for the ToolBoxV2 ecosystem that an operator may replace (the `CATEGORIES` setting,
registry/config.py; it reaches the services through `Policy.categories`).

Categories are slugs (`ui-widgets`), not free text like keywords: browsing by category only
works when everyone uses the same few. A package's categories are validated against the
catalog the registry runs with; a slug the operator removed later stays on the packages that
carry it (it is simply no longer listed or choosable).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from domain.exceptions import InvalidInput

MAX_PACKAGE_CATEGORIES = 3
# Bounds checked before any value is looked at: entries in one request, and their length.
MAX_CATEGORY_INPUT = 16
SLUG_MAX_LENGTH = 40
TITLE_MAX_LENGTH = 60
DESCRIPTION_MAX_LENGTH = 200
MAX_CATALOG_SIZE = 100
# The setting's text (JSON or `slug:Title` entries).
MAX_SETTING_LENGTH = 64 * 1024

SLUG = re.compile(rf"[a-z0-9][a-z0-9-]{{0,{SLUG_MAX_LENGTH - 1}}}")
# Commas and whitespace between slugs in a text value (linear: one character class).
_SEPARATORS = re.compile(r"[,\s]+")


@dataclass(frozen=True, slots=True)
class Category:
    slug: str
    title: str
    description: str = ""


DEFAULT_CATEGORIES: tuple[Category, ...] = (
    Category("ui-widgets", "UI widgets", "Dashboard widgets and interface components."),
    Category("themes", "Themes", "Colour schemes, styles and visual themes."),
    Category("productivity", "Productivity", "Notes, tasks, calendars and everyday tools."),
    Category(
        "developer-tools", "Developer tools", "Debugging, testing, scaffolding and build helpers."
    ),
    Category("automation", "Automation", "Schedulers, workflows, bots and scripted jobs."),
    Category("ai", "AI & agents", "Language models, agents and machine-learning features."),
    Category(
        "integrations", "Integrations", "Connectors to external services, APIs and platforms."
    ),
    Category("networking", "Networking", "P2P, servers, proxies, sockets and remote access."),
    Category("security", "Security", "Authentication, encryption, secrets and auditing."),
    Category("data", "Data & storage", "Databases, sync, import/export and analytics."),
    Category("media", "Media", "Audio, video, images and file handling."),
    Category("communication", "Communication", "Chat, mail, notifications and messaging."),
    Category("games", "Games & fun", "Games, toys and entertainment."),
    Category("utilities", "Utilities", "Small general-purpose helpers."),
    Category("libraries", "Libraries", "Building blocks other mods depend on."),
    Category("system", "System & admin", "Monitoring, deployment, backups and administration."),
)


class CategoryCatalog:
    """The categories a registry offers, in display order, looked up by slug."""

    __slots__ = ("_by_slug", "categories")

    def __init__(self, categories: Iterable[Category]) -> None:
        self.categories: tuple[Category, ...] = tuple(categories)
        self._by_slug = {category.slug: category for category in self.categories}

    def __iter__(self) -> Iterator[Category]:
        return iter(self.categories)

    def __len__(self) -> int:
        return len(self.categories)

    def __contains__(self, slug: object) -> bool:
        return slug in self._by_slug

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CategoryCatalog) and other.categories == self.categories

    def __hash__(self) -> int:
        return hash(self.categories)

    def __repr__(self) -> str:
        return f"CategoryCatalog({[c.slug for c in self.categories]!r})"

    def get(self, slug: str) -> Category | None:
        return self._by_slug.get(slug)

    def clean(self, value: object, *, field: str = "categories") -> list[str]:
        """A package's categories from a caller: a list of slugs or one text of slugs
        separated by commas or spaces; case-insensitive, duplicates collapse, order kept.
        Unknown slugs and more than MAX_PACKAGE_CATEGORIES are the caller's InvalidInput."""
        slugs = _slugs(value, field)
        unknown = [slug for slug in slugs if slug not in self._by_slug]
        if unknown:
            shown = ", ".join(repr(slug[:SLUG_MAX_LENGTH]) for slug in unknown[:3])
            raise InvalidInput(
                f"Unknown categor{'ies' if len(unknown) > 1 else 'y'} {shown}; "
                f"choose from: {', '.join(self._by_slug)}",
                field=field,
            )
        if len(slugs) > MAX_PACKAGE_CATEGORIES:
            raise InvalidInput(
                f"At most {MAX_PACKAGE_CATEGORIES} categories per package", field=field
            )
        return slugs

    def lenient(self, value: object, *, where: str = "categories") -> tuple[list[str], list[str]]:
        """(categories, warnings) for values nobody typed for us (a manifest): unknown slugs
        and those past the limit are dropped with a warning instead of refusing the upload."""
        try:
            slugs = _slugs(value, where)
        except InvalidInput as exc:
            return [], [f"{where}: {exc.message}; ignored"]
        warnings = []
        known = [slug for slug in slugs if slug in self._by_slug]
        if len(known) < len(slugs):
            dropped = [slug[:SLUG_MAX_LENGTH] for slug in slugs if slug not in self._by_slug]
            warnings.append(f"{where}: unknown categories ignored: {', '.join(dropped[:5])}")
        if len(known) > MAX_PACKAGE_CATEGORIES:
            warnings.append(
                f"{where}: only the first {MAX_PACKAGE_CATEGORIES} categories were kept"
            )
            known = known[:MAX_PACKAGE_CATEGORIES]
        return known, warnings


def _slugs(value: object, field: str) -> list[str]:
    """Distinct lower-cased entries of a list or a separated text, bounded before any work."""
    if value is None:
        return []
    if isinstance(value, str):
        if len(value) > MAX_CATEGORY_INPUT * (SLUG_MAX_LENGTH + 2):
            raise InvalidInput("categories is too long", field=field)
        value = [part for part in _SEPARATORS.split(value) if part]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InvalidInput("categories must be a list of category slugs", field=field)
    if len(value) > MAX_CATEGORY_INPUT:
        raise InvalidInput(f"At most {MAX_PACKAGE_CATEGORIES} categories per package", field=field)
    return list(dict.fromkeys(v.strip().lower() for v in value if v.strip()))


DEFAULT_CATALOG = CategoryCatalog(DEFAULT_CATEGORIES)


def _title_of(slug: str) -> str:
    return slug.replace("-", " ").capitalize()


def _category(slug: object, title: object, description: object, where: str) -> Category:
    if not isinstance(slug, str) or not SLUG.fullmatch(slug.strip()):
        raise ValueError(
            f"{where}: the slug must be lowercase letters, digits and '-' "
            f"(at most {SLUG_MAX_LENGTH} characters)"
        )
    slug = slug.strip()
    title = _title_of(slug) if title is None or title == "" else title
    description = "" if description is None else description
    if not isinstance(title, str) or not 0 < len(title.strip()) <= TITLE_MAX_LENGTH:
        raise ValueError(f"{where}: the title must be text of 1..{TITLE_MAX_LENGTH} characters")
    if not isinstance(description, str) or len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValueError(
            f"{where}: the description must be text of at most {DESCRIPTION_MAX_LENGTH} characters"
        )
    if any(ord(char) < 32 for char in title + description):
        raise ValueError(f"{where}: control characters are not allowed")
    return Category(slug, title.strip(), description.strip())


def _from_json(text: str) -> list[Category]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"not valid JSON: {exc}") from None
    if not isinstance(data, list):
        raise ValueError("the JSON must be a list")
    found = []
    for index, item in enumerate(data):
        where = f"entry {index + 1}"
        if isinstance(item, str):
            found.append(_category(item, None, None, where))
        elif isinstance(item, dict):
            extra = set(item) - {"slug", "title", "description"}
            if extra:
                raise ValueError(f"{where}: unknown keys {', '.join(sorted(map(str, extra)))}")
            found.append(
                _category(item.get("slug"), item.get("title"), item.get("description"), where)
            )
        else:
            raise ValueError(f"{where}: expected a slug or {{slug, title, description}}")
    return found


def _from_pairs(text: str) -> list[Category]:
    found = []
    for index, entry in enumerate(part for part in text.split(",") if part.strip()):
        slug, _, title = entry.partition(":")
        found.append(_category(slug, title.strip() or None, None, f"entry {index + 1}"))
    return found


def parse_catalog(text: str | None) -> CategoryCatalog:
    """The operator's list: unset or blank gives the defaults; otherwise a JSON list (of
    slugs or `{slug, title, description}` objects) or comma-separated `slug:Title` entries.
    Raises ValueError with a one-line reason (the settings loader names the variable)."""
    if text is None or not text.strip():
        return DEFAULT_CATALOG
    if len(text) > MAX_SETTING_LENGTH:
        raise ValueError(f"longer than {MAX_SETTING_LENGTH} characters")
    text = text.strip()
    categories = _from_json(text) if text.startswith("[") else _from_pairs(text)
    if not categories:
        raise ValueError("no categories (leave it empty for the defaults)")
    if len(categories) > MAX_CATALOG_SIZE:
        raise ValueError(f"at most {MAX_CATALOG_SIZE} categories")
    slugs = [category.slug for category in categories]
    duplicates = sorted({slug for slug in slugs if slugs.count(slug) > 1})
    if duplicates:
        raise ValueError(f"duplicate slugs: {', '.join(duplicates)}")
    return CategoryCatalog(categories)
