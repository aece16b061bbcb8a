"""Container health probe: exit 0 when the registry in this container answers, else 1.

    python /app/infra/docker/healthcheck.py [PATH]     (default /api/v1/health)

The image has no curl or wget (a slim base keeps the attack surface small), so the probe is
this standard-library script. It asks 127.0.0.1 on SERVER_PORT (the port the server binds,
4025 by default), with a short timeout, and prints one line saying why when it fails.
Liveness is `/api/v1/health` (the process answers); readiness is `/api/v1/ready` (database,
storage and Redis reachable), which the compose file and the Kubernetes example use to decide
when a replica may take traffic.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

TIMEOUT_SECONDS = 4.0


def probe(path: str) -> str | None:
    """None when the registry answered 200 at `path`, else the reason."""
    url = f"http://127.0.0.1:{os.environ.get('SERVER_PORT') or '4025'}{path}"
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            if response.status == 200:
                return None
            return f"{url}: HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"{url}: HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return f"{url}: {exc}"


def main(argv: list[str]) -> int:
    path = argv[1] if len(argv) > 1 else "/api/v1/health"
    reason = probe(path)
    if reason is not None:
        print(f"unhealthy: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
