"""Writes the committed SDL contract: `uv run python -m schema.export` (after any schema change).

`strawberry export-schema schema.schema:schema` prints the same text but needs Strawberry's
optional CLI dependencies, which the registry does not ship.
"""

from __future__ import annotations

import sys
from pathlib import Path

from strawberry.printer import print_schema

SDL_PATH = Path(__file__).with_name("schema.graphql")


def current_sdl() -> str:
    from schema.schema import schema

    return print_schema(schema) + "\n"


def main() -> int:
    SDL_PATH.write_text(current_sdl(), encoding="utf-8")
    print(f"wrote {SDL_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
