"""The search and facet index of the package listing (domain/services/listing.py), on each
database's own engine, kept in step by the database itself.

What is stored (migration 0007 creates it; `rebuild_search_index` fills it for rows written
by bulk SQL, which fires no Python):

- Full text.
  - PostgreSQL: `packages.search_vector`, a weighted tsvector (name A, display name B,
    keywords and categories C, description, author README (`readme`) and the latest
    version's README as plain text (`readme_text`, written by `store_latest`) D) with a
    GIN index; a trigram GIN
    index (pg_trgm) on `name_key` for substrings, one on the name without hyphens for
    typo-tolerant name matches.
  - SQLite: the FTS5 table `packages_fts` (the same four columns, weighted in `bm25`), and
    `package_names_trgm`, an FTS5 trigram table over `name_key` and the name without
    hyphens (substrings of 3+
    characters, and the candidates of typo matches).
  A trigger on `packages` rewrites a package's entry when one of those columns changes, in
  the transaction of the write; deleted packages have none.
- Facets: `package_facets(package_id, facet, value, public)`, one row per value of each
  facet of a live package: `type`, `verified` ("true"/"false", the publisher's
  verification), `category`, and from the latest version `platform` and `architecture`;
  `toolbox` holds the latest version's requirement hull as "low|high" (see
  `toolbox_bounds`); the internal `yanked_only` marks packages whose every published version
  is yanked. `public` says whether anonymous callers see the package listed. Triggers on
  `packages` (type, categories, visibility, deletion, latest version, toolbox bounds,
  publisher) and on `publishers` (verification status) rewrite the rows in the write's
  transaction, so no service has to remember to.
- Facet totals: `facet_deltas(facet, value, delta)`, appended by a trigger on every change
  of a public facet row; the sum per (facet, value) is how many public packages have it.
  Appending never contends for a counter row (concurrent writers on PostgreSQL never wait
  for each other or deadlock on it); `public_totals` sums, and folds the rows into one per
  value when they grow (`compact_deltas`).
- Facet pair totals (generation 3, migration 0009): `facet_pair_deltas(facet, value,
  other_facet, other_value, delta)`, appended by triggers on `package_facets` likewise: the
  sum per row is how many public packages have both values (a value paired with itself: its
  total). The facet counts of a listing filtered by one facet value are read from it
  (`pair_totals`) instead of from every facet row of every matching package.

The latest version's toolbox bounds are computed in Python (domain/ranges.py parses the
requirement): `store_latest` writes them with `latest_version` (services/packages.py
`refresh_latest_version`, the one place every change of the latest version goes through).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

import nh3
from packaging.version import InvalidVersion, Version
from tortoise import Tortoise
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from domain import changes
from domain.offload import run_cpu_bound
from domain.ranges import InvalidRange, parse_range, sort_key

# --- ToolBoxV2 releases (the `toolbox` facet's values) -------------------------------------

DEFAULT_TOOLBOX_RELEASES = ("0.1.24", "0.1.25", "0.1.26", "0.1.27", "0.1.28")  # TOOLBOX_RELEASES
_toolbox_releases: tuple[str, ...] = DEFAULT_TOOLBOX_RELEASES


def configure(*, toolbox_releases: Sequence[str]) -> None:
    """Set the ToolBoxV2 releases the `toolbox` facet counts for (the operator's
    TOOLBOX_RELEASES, registry/config.py; the composition root calls this at start)."""
    global _toolbox_releases
    releases: list[str] = []
    for text in toolbox_releases:
        try:
            Version(text)
        except InvalidVersion:
            continue
        releases.append(text.strip())
    _toolbox_releases = tuple(dict.fromkeys(releases))


def toolbox_releases() -> tuple[str, ...]:
    return _toolbox_releases


# --- version bounds as sortable text -------------------------------------------------------

LOW_UNBOUNDED = ""  # sorts before every key
HIGH_UNBOUNDED = "~"  # sorts after every key (keys are digits)
_EXCLUSIVE = "+"  # appended to a key: sorts after that key and before every greater key
_CAP = 99_999_999


def _digits(value: int, width: int = 8) -> str:
    return str(max(0, min(value, 10**width - 1))).rjust(width, "0")


def version_text_key(version: Version) -> str:
    """A fixed-width text that sorts as `version` does by PEP 440 precedence (local labels
    ignored, release parts beyond four and numbers beyond 8 digits clamped)."""
    epoch, release, pre, post, dev = sort_key(version)
    parts = (list(release) + [0, 0, 0, 0])[:4]
    return (
        _digits(epoch, 4)
        + "".join(_digits(part) for part in parts)
        + str(pre[0] + 1)
        + _digits(pre[1])
        + _digits(post + 1)
        + _digits(min(dev, _CAP + 1))
    )


def toolbox_bounds(requirement: str) -> tuple[str, str]:
    """(low, high) such that a ToolBoxV2 version X is admitted when
    `low <= version_text_key(X) < high`: the hull of the requirement's final releases.

    Approximation: the hull of `||` alternatives (and of `!=` holes) admits the versions
    between them too (`<1.0 || >=2.0` admits 1.5). "" and a requirement that does not parse
    admit every version (the update check treats them alike, services/updates.py); one
    that admits nothing gets an empty interval."""
    text = (requirement or "").strip()
    if not text:
        return LOW_UNBOUNDED, HIGH_UNBOUNDED
    try:
        allowed = parse_range(text)
    except InvalidRange:
        return LOW_UNBOUNDED, HIGH_UNBOUNDED
    intervals = allowed.stable.intervals or allowed.prerelease.intervals
    if not intervals:
        return HIGH_UNBOUNDED, LOW_UNBOUNDED
    lower, lower_inclusive = intervals[0][0], intervals[0][1]
    upper, upper_inclusive = intervals[-1][2], intervals[-1][3]
    low = LOW_UNBOUNDED
    if lower is not None:
        low = version_text_key(lower) + ("" if lower_inclusive else _EXCLUSIVE)
    high = HIGH_UNBOUNDED
    if upper is not None:
        high = version_text_key(upper) + (_EXCLUSIVE if upper_inclusive else "")
    return low, high


def admits(bounds: str, version_key: str) -> bool:
    """Whether a `toolbox` facet value ("low|high") admits the version with this key."""
    low, _, high = bounds.partition("|")
    return low <= version_key < high


# --- DDL ----------------------------------------------------------------------------------

# The text index's generation: 1 as migration 0007 built it, 2 with the latest version's
# README text (`readme_text`, migration 0008), 3 with the facet pair totals (migration 0009).
# Each migration passes its own generation, so it keeps producing the DDL it ran with;
# everything else uses the current one.
SCHEMA = 3

# Which package columns feed which index (a trigger rewrites the entry when one changes).
TEXT_COLUMNS_V1 = ("name", "display_name", "keywords", "categories", "description", "readme")
TEXT_COLUMNS = (*TEXT_COLUMNS_V1, "readme_text")


def _text_columns(schema: int) -> tuple[str, ...]:
    return TEXT_COLUMNS if schema >= 2 else TEXT_COLUMNS_V1


def _body(row: str, schema: int) -> str:
    """The text indexed at the lowest weight: description, author README (Package.readme),
    and from generation 2 the latest version's README as plain text."""
    extra = f" || ' ' || {row}.readme_text" if schema >= 2 else ""
    return f"{row}.description || ' ' || {row}.readme{extra}"


FACET_COLUMNS = (
    "package_type",
    "categories",
    "visibility",
    "deleted_at",
    "latest_version",
    "publisher_id",
)
# Not the toolbox bounds: only `store_latest` and `rebuild_search_index` write them, and both
# rewrite the facet rows themselves (a bulk rebuild would otherwise rewrite each package's
# rows once per bound it sets).


def _changed(columns: Iterable[str], distinct: str) -> str:
    return " OR ".join(f'old."{c}" {distinct} new."{c}"' for c in columns)


def _json_array(dialect: str, expression: str) -> str:
    """A JSON column as rows of its text elements (anything but an array: no rows)."""
    if dialect == "postgres":
        return (
            f"jsonb_array_elements_text(CASE WHEN jsonb_typeof({expression}) = 'array' "
            f"THEN {expression} ELSE '[]'::jsonb END) AS j(value)"
        )
    return (
        f"json_each(CASE WHEN json_valid({expression}) THEN CASE WHEN json_type({expression}) "
        f"= 'array' THEN {expression} ELSE '[]' END ELSE '[]' END) AS j"
    )


def facet_rows_sql(dialect: str, where: str) -> str:
    """INSERT of the facet rows of the live packages `p` selected by `where`."""
    return (
        "INSERT INTO package_facets (package_id, facet, value, public) "
        f"SELECT package_id, facet, value, public FROM ({facet_select_sql(dialect, where)}) "
        "AS f WHERE true ON CONFLICT DO NOTHING"
    )


def facet_select_sql(dialect: str, where: str) -> str:
    """SELECT of the facet rows (package_id, facet, value, public) the live packages `p`
    selected by `where` should have."""
    text_only = "" if dialect == "postgres" else " AND j.type = 'text'"
    public = "(p.visibility = 'public')"
    latest = (
        "JOIN package_versions v ON v.package_id = p.id AND v.version = p.latest_version "
        "AND v.status = 'published'"
    )
    live = f"p.deleted_at IS NULL AND ({where})"
    parts = [
        f"SELECT p.id AS package_id, 'type' AS facet, p.package_type AS value, {public} AS "
        f"public FROM packages p WHERE {live}",
        "SELECT p.id, 'verified', CASE WHEN pub.verification_status = 'verified' THEN 'true' "
        f"ELSE 'false' END, {public} FROM packages p JOIN publishers pub ON pub.id = "
        f"p.publisher_id WHERE {live}",
        f"SELECT p.id, 'category', substr(lower(j.value), 1, 100), {public} FROM packages p, "
        f"{_json_array(dialect, 'p.categories')} WHERE {live}{text_only}",
        f"SELECT p.id, 'platform', substr(lower(j.value), 1, 100), {public} FROM packages p "
        f"{latest}, {_json_array(dialect, 'v.platforms')} WHERE {live}{text_only}",
        f"SELECT p.id, 'architecture', substr(lower(j.value), 1, 100), {public} FROM "
        f"packages p {latest}, {_json_array(dialect, 'v.architectures')} WHERE {live}"
        f"{text_only}",
        f"SELECT p.id, 'toolbox', p.toolbox_low || '|' || p.toolbox_high, {public} FROM "
        f"packages p WHERE {live}",
        f"SELECT p.id, 'yanked_only', 'true', {public} FROM packages p WHERE {live} AND "
        "p.latest_version = '' AND EXISTS (SELECT 1 FROM package_versions y WHERE "
        "y.package_id = p.id AND y.status = 'published' AND y.yanked)",
    ]
    return " UNION ALL ".join(parts)


def _sqlite_tags(row: str) -> str:
    return (
        f"coalesce((SELECT group_concat(j.value, ' ') FROM "
        f"{_json_array('sqlite', row + '.keywords')}), '') || ' ' || "
        f"coalesce((SELECT group_concat(j.value, ' ') FROM "
        f"{_json_array('sqlite', row + '.categories')}), '')"
    )


def _sqlite_fts_insert(where: str, schema: int = SCHEMA) -> list[str]:
    return [
        "INSERT INTO packages_fts (rowid, name, display_name, tags, body) SELECT p.id, "
        f"replace(replace(p.name, '-', ' '), '_', ' '), p.display_name, {_sqlite_tags('p')}, "
        f"{_body('p', schema)} FROM packages p WHERE p.deleted_at IS NULL AND "
        f"({where})",
        "INSERT INTO package_names_trgm (rowid, name_key, squashed) SELECT p.id, p.name_key, "
        "replace(p.name_key, '-', '') FROM "
        f"packages p WHERE p.deleted_at IS NULL AND ({where})",
    ]


LISTING_INDEXES = [
    # The anonymous listing's orders, over the listed rows only (partial indexes: the
    # listing's WHERE names the same condition, so both databases use them for ORDER BY
    # ... LIMIT/OFFSET without sorting; the id is in each, so the ids of a page come from the
    # index alone, PostgreSQL's index-only scans included).
    'CREATE INDEX IF NOT EXISTS "packages_listed_name" ON "packages" ("name_key", "id") '
    "WHERE deleted_at IS NULL AND visibility = 'public'",
    'CREATE INDEX IF NOT EXISTS "packages_listed_downloads" ON "packages" '
    '("total_downloads" DESC, "name_key", "id") '
    "WHERE deleted_at IS NULL AND visibility = 'public'",
    'CREATE INDEX IF NOT EXISTS "packages_listed_updated" ON "packages" '
    '("updated_at" DESC, "id" DESC) WHERE deleted_at IS NULL AND visibility = \'public\'',
    'CREATE INDEX IF NOT EXISTS "packages_listed_created" ON "packages" '
    '("created_at" DESC, "id" DESC) WHERE deleted_at IS NULL AND visibility = \'public\'',
    'CREATE INDEX IF NOT EXISTS "packages_publisher" ON "packages" ("publisher_id")',
    'CREATE INDEX IF NOT EXISTS "package_facets_value" ON "package_facets" '
    '("facet", "value", "package_id")',
]


SQLITE_DELTA_TRIGGERS = (
    "CREATE TRIGGER package_facets_counted AFTER INSERT ON package_facets WHEN new.public "
    "BEGIN INSERT INTO facet_deltas (facet, value, delta) VALUES (new.facet, new.value, 1); "
    "END",
    "CREATE TRIGGER package_facets_uncounted AFTER DELETE ON package_facets WHEN old.public "
    "BEGIN INSERT INTO facet_deltas (facet, value, delta) VALUES (old.facet, old.value, -1);"
    " END",
)


# Facet pair totals (generation 3). SQLite runs a row trigger right after its row, so each
# inserted row pairs with the rows of its package written before it and with itself, both
# ways; a deleted one with those left and with itself. PostgreSQL runs row triggers after the
# whole statement (each would see every row the statement wrote): there the triggers are
# per statement, over the rows it inserted or deleted (transition tables).
_PAIR_COLUMNS = "facet, value, other_facet, other_value, delta"
_SQLITE_PAIR_TRIGGERS = (
    "CREATE TRIGGER package_facets_paired AFTER INSERT ON package_facets WHEN new.public "
    f"BEGIN INSERT INTO facet_pair_deltas ({_PAIR_COLUMNS}) SELECT new.facet, new.value, "
    "f.facet, f.value, 1 FROM package_facets f WHERE f.package_id = new.package_id AND "
    "f.public UNION ALL SELECT f.facet, f.value, new.facet, new.value, 1 FROM package_facets "
    "f WHERE f.package_id = new.package_id AND f.public AND NOT (f.facet = new.facet AND "
    "f.value = new.value); END",
    "CREATE TRIGGER package_facets_unpaired AFTER DELETE ON package_facets WHEN old.public "
    f"BEGIN INSERT INTO facet_pair_deltas ({_PAIR_COLUMNS}) SELECT old.facet, old.value, "
    "f.facet, f.value, -1 FROM package_facets f WHERE f.package_id = old.package_id AND "
    "f.public UNION ALL SELECT f.facet, f.value, old.facet, old.value, -1 FROM package_facets "
    "f WHERE f.package_id = old.package_id AND f.public UNION ALL SELECT old.facet, "
    "old.value, old.facet, old.value, -1; END",
)
# Inserted: (new, every row now) and (every older row, new). Deleted: (gone, every row
# before), that is (gone, rows left), (gone, gone), and (rows left, gone).
_PG_PAIR_FUNCTIONS = (
    "CREATE FUNCTION package_facets_paired() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"INSERT INTO facet_pair_deltas ({_PAIR_COLUMNS}) SELECT n.facet, n.value, f.facet, "
    "f.value, 1 FROM inserted n JOIN package_facets f ON f.package_id = n.package_id AND "
    "f.public WHERE n.public UNION ALL SELECT f.facet, f.value, n.facet, n.value, 1 FROM "
    "inserted n JOIN package_facets f ON f.package_id = n.package_id AND f.public WHERE "
    "n.public AND NOT EXISTS (SELECT 1 FROM inserted i WHERE i.package_id = f.package_id AND "
    "i.facet = f.facet AND i.value = f.value); RETURN NULL; END $$",
    "CREATE FUNCTION package_facets_unpaired() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    f"INSERT INTO facet_pair_deltas ({_PAIR_COLUMNS}) SELECT d.facet, d.value, f.facet, "
    "f.value, -1 FROM deleted d JOIN (SELECT package_id, facet, value FROM package_facets "
    "WHERE public UNION ALL SELECT package_id, facet, value FROM deleted WHERE public) AS f "
    "ON f.package_id = d.package_id WHERE d.public UNION ALL SELECT f.facet, f.value, "
    "d.facet, d.value, -1 FROM deleted d JOIN package_facets f ON f.package_id = "
    "d.package_id AND f.public WHERE d.public; RETURN NULL; END $$",
)
_PG_PAIR_TRIGGERS = (
    "CREATE TRIGGER package_facets_paired AFTER INSERT ON package_facets REFERENCING NEW "
    "TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION package_facets_paired()",
    "CREATE TRIGGER package_facets_unpaired AFTER DELETE ON package_facets REFERENCING OLD "
    "TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION package_facets_unpaired()",
)


def _pair_recount(public: str) -> list[str]:
    """The pair totals counted anew from the facet rows (`public`: the dialect's truth)."""
    return [
        "DELETE FROM facet_pair_deltas",
        f"INSERT INTO facet_pair_deltas ({_PAIR_COLUMNS}) SELECT a.facet, a.value, b.facet, "
        "b.value, count(*) FROM package_facets a JOIN package_facets b ON b.package_id = "
        f"a.package_id WHERE a.public{public} GROUP BY a.facet, a.value, b.facet, b.value",
    ]


def facet_pairs_ddl(dialect: str) -> list[str]:
    """Generation 2 -> 3 (migration 0009): the facet pair totals, their triggers, and their
    first count."""
    if dialect == "postgres":
        return [
            "CREATE TABLE facet_pair_deltas (id BIGSERIAL PRIMARY KEY, facet VARCHAR(16) NOT "
            "NULL, value VARCHAR(200) NOT NULL, other_facet VARCHAR(16) NOT NULL, other_value "
            "VARCHAR(200) NOT NULL, delta INTEGER NOT NULL)",
            "CREATE INDEX facet_pair_deltas_value ON facet_pair_deltas (facet, value)",
            *_PG_PAIR_FUNCTIONS,
            *_PG_PAIR_TRIGGERS,
            *_pair_recount(""),
        ]
    return [
        "CREATE TABLE facet_pair_deltas (id INTEGER PRIMARY KEY AUTOINCREMENT, facet "
        "VARCHAR(16) NOT NULL, value VARCHAR(200) NOT NULL, other_facet VARCHAR(16) NOT NULL, "
        "other_value VARCHAR(200) NOT NULL, delta INTEGER NOT NULL)",
        "CREATE INDEX facet_pair_deltas_value ON facet_pair_deltas (facet, value)",
        *_SQLITE_PAIR_TRIGGERS,
        *_pair_recount(" = 1"),
    ]


def _sqlite_text_triggers(schema: int) -> list[str]:
    """The SQLite triggers that write a package's full-text entries."""
    text_update_columns = _changed((*_text_columns(schema), "name_key", "deleted_at"), "IS NOT")
    return [
        "CREATE TRIGGER packages_search_insert AFTER INSERT ON packages BEGIN "
        + "; ".join(_sqlite_fts_insert("p.id = new.id", schema))
        + "; "
        + facet_rows_sql("sqlite", "p.id = new.id")
        + "; END",
        f"CREATE TRIGGER packages_search_update AFTER UPDATE ON packages WHEN "
        f"{text_update_columns} BEGIN DELETE FROM packages_fts WHERE rowid = old.id; "
        "DELETE FROM package_names_trgm WHERE rowid = old.id; "
        + "; ".join(_sqlite_fts_insert("p.id = new.id", schema))
        + "; END",
    ]


def _pg_search_vector_function(schema: int) -> str:
    """The PostgreSQL function behind the trigger that computes `search_vector`."""
    text_changed = _changed(_text_columns(schema), "IS DISTINCT FROM").replace("old.", "OLD.")
    text_changed = text_changed.replace("new.", "NEW.")
    # The vector is computed before the row is written: the same statement, the same
    # transaction. Only when a text column changed (a download count does not re-index).
    return (
        "CREATE OR REPLACE FUNCTION packages_search_vector() RETURNS trigger LANGUAGE plpgsql "
        f"AS $$ BEGIN IF TG_OP = 'INSERT' OR {text_changed} THEN "
        f"NEW.search_vector := {_pg_vector('NEW', schema)}; END IF; RETURN NEW; END $$"
    )


def readme_text_ddl(dialect: str) -> list[str]:
    """Generation 1 -> 2 (migration 0008): the text triggers read `readme_text` too."""
    if dialect == "postgres":
        return [_pg_search_vector_function(2)]
    return [
        "DROP TRIGGER packages_search_insert",
        "DROP TRIGGER packages_search_update",
        *_sqlite_text_triggers(2),
    ]


def sqlite_ddl(schema: int = SCHEMA) -> list[str]:
    facet_update_columns = _changed(FACET_COLUMNS, "IS NOT")
    return [
        "ALTER TABLE packages ADD COLUMN toolbox_low VARCHAR(64) NOT NULL DEFAULT ''",
        "ALTER TABLE packages ADD COLUMN toolbox_high VARCHAR(64) NOT NULL DEFAULT '~'",
        "CREATE TABLE package_facets (package_id INTEGER NOT NULL REFERENCES packages (id) "
        "ON DELETE CASCADE, facet VARCHAR(16) NOT NULL, value VARCHAR(200) NOT NULL, "
        "public INTEGER NOT NULL, PRIMARY KEY (package_id, facet, value)) WITHOUT ROWID",
        "CREATE TABLE facet_deltas (id INTEGER PRIMARY KEY AUTOINCREMENT, facet VARCHAR(16) "
        "NOT NULL, value VARCHAR(200) NOT NULL, delta INTEGER NOT NULL)",
        # porter: "themes" finds "theme", as PostgreSQL's english stemmer does.
        "CREATE VIRTUAL TABLE packages_fts USING fts5(name, display_name, tags, body, "
        "tokenize = 'porter unicode61 remove_diacritics 2')",
        # squashed: the name without hyphens, which typo matches compare ("autosvae" is one
        # letter pair away from auto-save, not from "auto-save").
        "CREATE VIRTUAL TABLE package_names_trgm USING fts5(name_key, squashed, "
        "tokenize = 'trigram')",
        *LISTING_INDEXES,
        *SQLITE_DELTA_TRIGGERS,
        *_sqlite_text_triggers(schema),
        f"CREATE TRIGGER packages_facets_update AFTER UPDATE ON packages WHEN "
        f"{facet_update_columns} BEGIN DELETE FROM package_facets WHERE package_id = old.id; "
        + facet_rows_sql("sqlite", "p.id = new.id")
        + "; END",
        "CREATE TRIGGER packages_search_delete AFTER DELETE ON packages BEGIN "
        "DELETE FROM packages_fts WHERE rowid = old.id; "
        "DELETE FROM package_names_trgm WHERE rowid = old.id; "
        "DELETE FROM package_facets WHERE package_id = old.id; END",
        "CREATE TRIGGER publishers_verified_facet AFTER UPDATE ON publishers WHEN "
        "old.verification_status IS NOT new.verification_status BEGIN "
        "DELETE FROM package_facets WHERE facet = 'verified' AND package_id IN "
        "(SELECT id FROM packages WHERE publisher_id = new.id); "
        + facet_rows_sql("sqlite", "p.publisher_id = new.id")
        + "; END",
    ]


# 'english': stems like SQLite's porter tokenizer (both find "theme" for "themes"), so the
# two engines answer alike; it also drops English stop words, which rank nothing anyway.
PG_CONFIG = "english"


def _pg_vector(row: str, schema: int = SCHEMA) -> str:
    tags = (
        f"array_to_string(ARRAY(SELECT {_pg_elements(row + '.keywords')}), ' ') || ' ' || "
        f"array_to_string(ARRAY(SELECT {_pg_elements(row + '.categories')}), ' ')"
    )
    return (
        f"setweight(to_tsvector('{PG_CONFIG}', replace({row}.name, '_', ' ')), 'A') || "
        f"setweight(to_tsvector('{PG_CONFIG}', {row}.display_name), 'B') || "
        f"setweight(to_tsvector('{PG_CONFIG}', {tags}), 'C') || "
        f"setweight(to_tsvector('{PG_CONFIG}', {_body(row, schema)}), 'D')"
    )


def _pg_elements(expression: str) -> str:
    return (
        f"jsonb_array_elements_text(CASE WHEN jsonb_typeof({expression}) = 'array' THEN "
        f"{expression} ELSE '[]'::jsonb END)"
    )


def postgres_ddl(schema: int = SCHEMA) -> list[str]:
    facet_changed = _changed(FACET_COLUMNS, "IS DISTINCT FROM").replace("old.", "OLD.")
    facet_changed = facet_changed.replace("new.", "NEW.")
    return [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        "ALTER TABLE packages ADD COLUMN toolbox_low VARCHAR(64) NOT NULL DEFAULT ''",
        "ALTER TABLE packages ADD COLUMN toolbox_high VARCHAR(64) NOT NULL DEFAULT '~'",
        "ALTER TABLE packages ADD COLUMN search_vector tsvector NOT NULL DEFAULT ''",
        "CREATE TABLE package_facets (package_id INTEGER NOT NULL REFERENCES packages (id) "
        "ON DELETE CASCADE, facet VARCHAR(16) NOT NULL, value VARCHAR(200) NOT NULL, "
        "public BOOLEAN NOT NULL, PRIMARY KEY (package_id, facet, value))",
        "CREATE TABLE facet_deltas (id BIGSERIAL PRIMARY KEY, facet VARCHAR(16) NOT NULL, "
        "value VARCHAR(200) NOT NULL, delta INTEGER NOT NULL)",
        "CREATE INDEX packages_search_vector ON packages USING GIN (search_vector)",
        "CREATE INDEX packages_name_trgm ON packages USING GIN (name_key gin_trgm_ops)",
        # GiST: typo matches are the nearest names by trigram distance (KNN, ORDER BY <->
        # LIMIT), which a GIN index cannot give; GIN's `%` rechecks every name that shares
        # enough trigrams, thousands for a common word.
        "CREATE INDEX packages_squashed_trgm ON packages USING GIST "
        "((replace(name_key, '-', '')) gist_trgm_ops)",
        *LISTING_INDEXES,
        "CREATE FUNCTION package_facets_delta() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF TG_OP = 'INSERT' THEN INSERT INTO facet_deltas (facet, value, delta) "
        "VALUES (NEW.facet, NEW.value, 1); ELSE INSERT INTO facet_deltas (facet, value, delta) "
        "VALUES (OLD.facet, OLD.value, -1); END IF; RETURN NULL; END $$",
        "CREATE TRIGGER package_facets_counted AFTER INSERT ON package_facets FOR EACH ROW "
        "WHEN (NEW.public) EXECUTE FUNCTION package_facets_delta()",
        "CREATE TRIGGER package_facets_uncounted AFTER DELETE ON package_facets FOR EACH ROW "
        "WHEN (OLD.public) EXECUTE FUNCTION package_facets_delta()",
        _pg_search_vector_function(schema),
        "CREATE TRIGGER packages_search_vector BEFORE INSERT OR UPDATE ON packages FOR EACH "
        "ROW EXECUTE FUNCTION packages_search_vector()",
        "CREATE FUNCTION packages_facets_refresh() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN IF TG_OP = 'UPDATE' THEN DELETE FROM package_facets WHERE package_id = OLD.id; "
        f"END IF; {facet_rows_sql('postgres', 'p.id = NEW.id')}; RETURN NULL; END $$",
        "CREATE TRIGGER packages_facets_insert AFTER INSERT ON packages FOR EACH ROW "
        "EXECUTE FUNCTION packages_facets_refresh()",
        f"CREATE TRIGGER packages_facets_update AFTER UPDATE ON packages FOR EACH ROW WHEN "
        f"({facet_changed}) EXECUTE FUNCTION packages_facets_refresh()",
        "CREATE FUNCTION publishers_verified_facet() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN DELETE FROM package_facets WHERE facet = 'verified' AND package_id IN "
        "(SELECT id FROM packages WHERE publisher_id = NEW.id); "
        f"{facet_rows_sql('postgres', 'p.publisher_id = NEW.id')}; RETURN NULL; END $$",
        "CREATE TRIGGER publishers_verified_facet AFTER UPDATE ON publishers FOR EACH ROW "
        "WHEN (OLD.verification_status IS DISTINCT FROM NEW.verification_status) "
        "EXECUTE FUNCTION publishers_verified_facet()",
    ]


# --- upkeep from Python -------------------------------------------------------------------


def _connection(using_db: BaseDBAsyncClient | None) -> BaseDBAsyncClient:
    return using_db or Tortoise.get_connection("default")


def is_postgres(connection: BaseDBAsyncClient) -> bool:
    return connection.capabilities.dialect == "postgres"


def marks(connection: BaseDBAsyncClient, count: int, start: int = 1) -> list[str]:
    if is_postgres(connection):
        return [f"${i}" for i in range(start, start + count)]
    return ["?"] * count


MAX_README_TEXT = 65_536  # characters of the latest version's README that are indexed


def readme_search_text(readme_html: str) -> str:
    """The rendered (already sanitized) README HTML as plain text for the full-text index:
    tags dropped (each one a word break), entities decoded, bounded to MAX_README_TEXT."""
    if not readme_html:
        return ""
    # The input is bounded before the HTML parser sees it (nh3 is linear; the stored HTML
    # came out of it once already).
    text = nh3.clean(readme_html[: MAX_README_TEXT * 8].replace("<", " <"), tags=set())
    return " ".join(html.unescape(text).split())[:MAX_README_TEXT]


async def _latest_readme_text(connection: BaseDBAsyncClient, package_id: int, latest: str) -> str:
    if not latest:
        return ""
    a, b = marks(connection, 2)
    rows = await connection.execute_query_dict(
        f"SELECT readme_html FROM package_versions WHERE package_id = {a} AND version = {b} "
        "AND status = 'published'",
        [package_id, latest],
    )
    source = str(rows[0]["readme_html"] or "") if rows else ""
    if len(source) < 4096:
        return readme_search_text(source)
    return await run_cpu_bound(readme_search_text, source)


async def store_latest(
    package_id: int, latest: str, requirement: str, *, using_db: BaseDBAsyncClient | None
) -> None:
    """Write a package's latest version with its toolbox bounds and README text (one
    UPDATE; the triggers then rewrite the package's text entry and facet rows)."""
    connection = _connection(using_db)
    low, high = toolbox_bounds(requirement)
    readme_text = await _latest_readme_text(connection, package_id, latest)
    a, b, c, d, e = marks(connection, 5)
    await connection.execute_query(
        f"UPDATE packages SET latest_version = {a}, toolbox_low = {b}, toolbox_high = {c}, "
        f"readme_text = {d} WHERE id = {e}",
        [latest, low, high, readme_text, package_id],
    )
    # Rewritten even when the latest version stayed the same: a version row changed (a
    # yank leaves a package with nothing installable, `yanked_only`).
    await refresh_facets([package_id], using_db=connection)


async def refresh_facets(
    package_ids: Iterable[int], *, using_db: BaseDBAsyncClient | None = None
) -> None:
    """Bring the facet rows of these packages in line with their current rows: only the
    rows that differ go and come (each change of a public row is a delta of the totals)."""
    connection = _connection(using_db)
    ids = ", ".join(str(int(i)) for i in sorted(set(package_ids)))
    if not ids:
        return
    dialect = connection.capabilities.dialect
    wanted = facet_select_sql(dialect, f"p.id IN ({ids})")
    await connection.execute_query(
        f"DELETE FROM package_facets WHERE package_id IN ({ids}) AND (package_id, facet, "
        f"value, public) NOT IN (SELECT package_id, facet, value, public FROM ({wanted}) AS w)"
    )
    await connection.execute_query(facet_rows_sql(dialect, f"p.id IN ({ids})"))


async def rebuild_search_index(
    package_ids: Iterable[int] | None = None,
    *,
    using_db: BaseDBAsyncClient | None = None,
    schema: int = SCHEMA,
) -> None:
    """Recompute the toolbox bounds, the full-text entries and the facet rows of the given
    packages (None: of every package), and fold the facet totals. For rows written by bulk
    SQL (benchmarks, imports) and for the migration; the triggers keep them in step for
    every write after that. Runs in the caller's transaction when given one (the caller
    announces the change once it commits); otherwise it ends by announcing the change
    (`changes.announce`: this process's read caches drop, and a server's change feed tells
    the other processes)."""
    connection = _connection(using_db)
    ids = None if package_ids is None else sorted({int(i) for i in package_ids})
    if ids is not None and not ids:
        return

    def chosen(column: str) -> str:
        return "true" if ids is None else f"{column} IN ({', '.join(str(i) for i in ids)})"

    where = chosen("p.id")
    if schema >= 2:
        await backfill_readme_text(using_db=connection, where=where)
    # Bounds: one UPDATE per distinct requirement, not per package.
    rows = await connection.execute_query_dict(
        "SELECT DISTINCT v.toolbox_version AS requirement FROM packages p JOIN package_versions"
        " v ON v.package_id = p.id AND v.version = p.latest_version AND v.status = 'published'"
        f" WHERE {where}"
    )
    await connection.execute_query(
        "UPDATE packages SET toolbox_low = '', toolbox_high = '~' WHERE "
        f"{chosen('id')} AND (toolbox_low <> '' OR toolbox_high <> '~')"
    )
    for row in rows:
        requirement = str(row["requirement"] or "")
        low, high = toolbox_bounds(requirement)
        if (low, high) == (LOW_UNBOUNDED, HIGH_UNBOUNDED):
            continue
        a, b, c = marks(connection, 3)
        await connection.execute_query(
            f"UPDATE packages SET toolbox_low = {a}, toolbox_high = {b} WHERE id IN (SELECT "
            "p.id FROM packages p JOIN package_versions v ON v.package_id = p.id AND "
            f"v.version = p.latest_version AND v.status = 'published' WHERE {where} AND "
            f"v.toolbox_version = {c})",
            [low, high, requirement],
        )
    if ids is None:
        await _rebuild_all_facets(connection, schema)
    else:
        await connection.execute_query(f"DELETE FROM package_facets WHERE {chosen('package_id')}")
        await connection.execute_query(facet_rows_sql(connection.capabilities.dialect, where))
    if is_postgres(connection):
        await connection.execute_query(
            f"UPDATE packages p SET search_vector = {_pg_vector('p', schema)} WHERE {where}"
        )
    else:
        await connection.execute_query(f"DELETE FROM packages_fts WHERE {chosen('rowid')}")
        await connection.execute_query(f"DELETE FROM package_names_trgm WHERE {chosen('rowid')}")
        for statement in _sqlite_fts_insert(where, schema):
            await connection.execute_query(statement)
    await compact_deltas(connection)
    if schema >= 3:
        await compact_pair_deltas(connection)
    if using_db is None:
        changes.announce()


async def backfill_readme_text(
    *, using_db: BaseDBAsyncClient | None = None, where: str = "true", batch: int = 500
) -> None:
    """Bring `readme_text` of the live packages `p` selected by `where` in line with their
    latest version's README (migration 0008, `rebuild_search_index`); only rows that differ
    are written, and the text triggers re-index each one."""
    connection = _connection(using_db)
    latest = (
        "SELECT 1 FROM package_versions v WHERE v.package_id = p.id AND v.version = "
        "p.latest_version AND v.status = 'published' AND v.readme_html <> ''"
    )
    await connection.execute_query(
        f"UPDATE packages SET readme_text = '' WHERE id IN (SELECT p.id FROM packages p WHERE "
        f"({where}) AND p.readme_text <> '' AND NOT EXISTS ({latest}))"
    )
    after = 0
    while True:
        a, b = marks(connection, 2)
        rows = await connection.execute_query_dict(
            "SELECT p.id AS id, p.readme_text AS readme_text, v.readme_html AS readme_html "
            "FROM packages p JOIN package_versions v ON v.package_id = p.id AND v.version = "
            f"p.latest_version AND v.status = 'published' WHERE p.id > {a} AND "
            f"p.deleted_at IS NULL AND v.readme_html <> '' AND ({where}) ORDER BY p.id "
            f"LIMIT {b}",
            [after, batch],
        )
        if not rows:
            return
        for row in rows:
            text = readme_search_text(str(row["readme_html"] or ""))
            if text == str(row["readme_text"] or ""):
                continue
            c, d = marks(connection, 2)
            await connection.execute_query(
                f"UPDATE packages SET readme_text = {c} WHERE id = {d}", [text, int(row["id"])]
            )
        after = int(rows[-1]["id"])


async def _rebuild_all_facets(connection: BaseDBAsyncClient, schema: int = SCHEMA) -> None:
    """Every facet row anew, and the totals (from generation 3 the pair totals too) counted
    once from them, without the per-row delta triggers (600,000 trigger calls for 100,000
    packages). The triggers are off only inside this statement sequence's transaction (DDL
    is transactional on both engines), and the table is locked meanwhile, so no concurrent
    write goes uncounted."""
    public = "" if is_postgres(connection) else " = 1"
    if is_postgres(connection):
        statements_off = ["ALTER TABLE package_facets DISABLE TRIGGER USER"]
        statements_on = ["ALTER TABLE package_facets ENABLE TRIGGER USER"]
    else:
        statements_off = [
            "DROP TRIGGER package_facets_counted",
            "DROP TRIGGER package_facets_uncounted",
        ]
        statements_on = list(SQLITE_DELTA_TRIGGERS)
        if schema >= 3:
            statements_off += [
                "DROP TRIGGER package_facets_paired",
                "DROP TRIGGER package_facets_unpaired",
            ]
            statements_on += _SQLITE_PAIR_TRIGGERS
    body = [
        *statements_off,
        "DELETE FROM package_facets",
        facet_rows_sql(connection.capabilities.dialect, "true"),
        "DELETE FROM facet_deltas",
        "INSERT INTO facet_deltas (facet, value, delta) SELECT facet, value, count(*) FROM "
        f"package_facets WHERE public{public} GROUP BY facet, value",
        *(_pair_recount(public) if schema >= 3 else []),
        *statements_on,
    ]
    async with connection._in_transaction() as conn:  # a savepoint inside a transaction
        for statement in body:
            await conn.execute_query(statement)


async def compact_deltas(using_db: BaseDBAsyncClient | None = None) -> None:
    """Fold the facet deltas into one row per (facet, value). Safe beside writers: it
    removes exactly the rows it read and adds their sum back in one statement (rows a
    concurrent write appends meanwhile stay as they are)."""
    connection = _connection(using_db)
    if is_postgres(connection):
        await connection.execute_query(
            "WITH gone AS (DELETE FROM facet_deltas RETURNING facet, value, delta) "
            "INSERT INTO facet_deltas (facet, value, delta) SELECT facet, value, sum(delta) "
            "FROM gone GROUP BY facet, value HAVING sum(delta) <> 0"
        )
        return
    # Rows up to the highest id read: the sums are added first (with higher ids), then
    # the rows they replace go; one transaction, so a crash cannot count them twice.
    if using_db is not None:
        await _fold_sqlite(connection)
        return
    async with in_transaction() as conn:
        await _fold_sqlite(conn)


async def _fold_sqlite(conn: BaseDBAsyncClient) -> None:
    top = await conn.execute_query_dict("SELECT max(id) AS top FROM facet_deltas")
    limit = top[0]["top"] if top else None
    if limit is None:
        return
    await conn.execute_query(
        "INSERT INTO facet_deltas (facet, value, delta) SELECT facet, value, sum(delta) "
        f"FROM facet_deltas WHERE id <= {int(limit)} GROUP BY facet, value "
        "HAVING sum(delta) <> 0"
    )
    await conn.execute_query(f"DELETE FROM facet_deltas WHERE id <= {int(limit)}")


async def compact_pair_deltas(using_db: BaseDBAsyncClient | None = None) -> None:
    """Fold the facet pair deltas into one row per pair, as `compact_deltas` does."""
    connection = _connection(using_db)
    keys = "facet, value, other_facet, other_value"
    if is_postgres(connection):
        await connection.execute_query(
            f"WITH gone AS (DELETE FROM facet_pair_deltas RETURNING {keys}, delta) "
            f"INSERT INTO facet_pair_deltas ({_PAIR_COLUMNS}) SELECT {keys}, sum(delta) "
            f"FROM gone GROUP BY {keys} HAVING sum(delta) <> 0"
        )
        return

    async def fold(conn: BaseDBAsyncClient) -> None:
        top = await conn.execute_query_dict("SELECT max(id) AS top FROM facet_pair_deltas")
        limit = top[0]["top"] if top else None
        if limit is None:
            return
        await conn.execute_query(
            f"INSERT INTO facet_pair_deltas ({_PAIR_COLUMNS}) SELECT {keys}, sum(delta) FROM "
            f"facet_pair_deltas WHERE id <= {int(limit)} GROUP BY {keys} HAVING sum(delta) <> 0"
        )
        await conn.execute_query(f"DELETE FROM facet_pair_deltas WHERE id <= {int(limit)}")

    if using_db is not None:
        await fold(connection)
        return
    async with in_transaction() as conn:
        await fold(conn)


PAIRS_COMPACT_AFTER = 20_000  # pair delta rows of one value read before they are folded


async def pair_totals(facet: str, values: Sequence[str]) -> dict[str, dict[str, int]]:
    """How many live public packages with `facet` = one of `values` (at most one of them
    per package, as with `toolbox` hulls or a single value) have each value of each facet."""
    connection = _connection(None)
    if not values:
        return {}
    wanted = marks(connection, len(values) + 1)
    rows = await connection.execute_query_dict(
        "SELECT other_facet AS facet, other_value AS value, sum(delta) AS n, count(*) AS rows "
        f"FROM facet_pair_deltas WHERE facet = {wanted[0]} AND value IN ({', '.join(wanted[1:])})"
        " GROUP BY other_facet, other_value",
        [facet, *values],
    )
    totals: dict[str, dict[str, int]] = {}
    stored = 0
    for row in rows:
        stored += int(row["rows"])
        if int(row["n"]) > 0:
            bucket = totals.setdefault(str(row["facet"]), {})
            bucket[str(row["value"])] = bucket.get(str(row["value"]), 0) + int(row["n"])
    if stored > PAIRS_COMPACT_AFTER + len(rows):
        await compact_pair_deltas()
    return totals


COMPACT_AFTER = 2000  # delta rows; below, summing them costs less than a millisecond


async def public_totals() -> dict[str, dict[str, int]]:
    """How many live public packages have each value of each facet, from the deltas."""
    connection = _connection(None)
    rows = await connection.execute_query_dict(
        "SELECT facet, value, sum(delta) AS n, count(*) AS rows FROM facet_deltas "
        "GROUP BY facet, value"
    )
    totals: dict[str, dict[str, int]] = {}
    stored = 0
    for row in rows:
        stored += int(row["rows"])
        if int(row["n"]) > 0:
            totals.setdefault(str(row["facet"]), {})[str(row["value"])] = int(row["n"])
    if stored > COMPACT_AFTER + len(rows):
        await compact_deltas()
    return totals
