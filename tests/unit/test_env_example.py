"""`.env.example` lists every variable the settings read, so operators see all of them."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_documented() -> None:
    source = (ROOT / "registry" / "config.py").read_text()
    read = set(re.findall(r'read\.[a-z_]+\(\s*"([A-Z][A-Z0-9_]+)"', source))
    read |= {f"{prefix}_{part}" for prefix in re.findall(r's3_spec\("([A-Z_]+)"', source)
             for part in ("ENDPOINT", "ACCESS_KEY", "SECRET_KEY", "BUCKET", "SECURE")}
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(),
                                re.MULTILINE))
    assert read, "no settings found: the pattern no longer matches registry/config.py"
    assert sorted(read - documented) == []
