"""JSON responses encoded by msgspec from the shapes in registry/rest/shapes.py.

msgspec writes the same compact UTF-8 JSON as Starlette's JSONResponse (no spaces, non-ASCII
unescaped), several times faster, and encodes Structs, StrEnums and UNSET-omitted fields
directly: handlers hand over the typed shape, never a hand-built dict.
"""

from __future__ import annotations

from typing import Any

import msgspec
from starlette.responses import Response

_encoder = msgspec.json.Encoder()


def encode(content: Any) -> bytes:
    return _encoder.encode(content)


class ShapeResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return _encoder.encode(content)
