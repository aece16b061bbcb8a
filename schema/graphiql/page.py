"""Renders the GraphiQL page that loads only the registry's own, locally served assets."""

import html
import json
from pathlib import Path
from string import Template

from schema.graphiql.assets import SCRIPT_FILE, STYLESHEET_FILE, asset_version

DEFAULT_ENDPOINT = "/graphql"
DEFAULT_STATIC_PREFIX = "/graphql/static"
DEFAULT_TITLE = "TB Registry GraphiQL"

DEFAULT_QUERY = """\
# Welcome to the TB Registry GraphQL API.
#
# Run: Ctrl-Enter or the play button.
# Docs for every type and field: the book icon.
# Authenticate: in the Headers tab below, add
#   {"Authorization": "Bearer <your API token>"}
# Subscriptions run over WebSocket on this same URL.

query RecentPackages {
  packages(first: 5) {
    edges {
      node {
        name
      }
    }
  }
}
"""

_TEMPLATE = Template((Path(__file__).parent / "graphiql.html").read_text(encoding="utf-8"))


def _json_for_script_block(value: object) -> str:
    """JSON that cannot end the surrounding <script> element early (no raw <, > or &)."""
    encoded = json.dumps(value, ensure_ascii=False)
    return encoded.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _asset_url(static_prefix: str, file_name: str) -> str:
    return f"{static_prefix.rstrip('/')}/{file_name}?v={asset_version(file_name)}"


def graphiql_html(
    endpoint: str = DEFAULT_ENDPOINT,
    static_prefix: str = DEFAULT_STATIC_PREFIX,
    *,
    subscriptions: bool = True,
    default_query: str = DEFAULT_QUERY,
    title: str = DEFAULT_TITLE,
) -> str:
    """The GraphiQL HTML page.

    ``endpoint`` receives queries as POST JSON and, when ``subscriptions`` is on, WebSocket
    connections speaking graphql-transport-ws (ws/wss chosen from the page's own scheme).
    ``static_prefix`` is where :func:`schema.graphiql.graphiql_static_app` is mounted; both are
    root-relative paths on the registry itself. The page has no inline script or style, so it
    works under ``Content-Security-Policy: script-src 'self'; style-src 'self' 'unsafe-inline'``
    (GraphiQL sets element styles at runtime).
    """
    config = {"endpoint": endpoint, "subscriptions": subscriptions, "defaultQuery": default_query}
    return _TEMPLATE.substitute(
        title=html.escape(title),
        endpoint=html.escape(endpoint),
        stylesheet_url=html.escape(_asset_url(static_prefix, STYLESHEET_FILE)),
        script_url=html.escape(_asset_url(static_prefix, SCRIPT_FILE)),
        config_json=_json_for_script_block(config),
    )
