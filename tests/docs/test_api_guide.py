"""docs/api.md's examples, run in order against a real registry process on a fresh data dir
(tests/docs/guide_examples.py has the marker convention and the matching rules)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from tests.docs.guide_examples import (
    Block,
    Example,
    GuideError,
    check_output,
    examples,
    parse_blocks,
    run_example,
)
from tests.fixtures.stack import JWT_SECRET, make_jwt
from tests.process.server import ServerProcess

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
TOOLS = ("bash", "curl", "jq", "sha256sum", "python3")
# Long enough for the slowest run of the whole guide on a loaded machine.
TOKEN_LIFETIME_SECONDS = 3600


def _require_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        message = f"the guide's examples need {', '.join(missing)} (apt-get install -y curl jq)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def test_every_example_in_the_guide_gives_the_output_it_shows(tmp_path: Path) -> None:
    _require_tools()
    blocks = parse_blocks(GUIDE.read_text(encoding="utf-8"))
    runnable = examples(blocks)
    assert len(runnable) >= 25  # the guide's examples were found, not silently skipped
    expires = time.time() + TOKEN_LIFETIME_SECONDS
    server = ServerProcess(
        tmp_path / "data", {"CLOUDM_JWT_SECRET": JWT_SECRET, "ADMIN_USERS": "u-admin"}
    )
    workdir = tmp_path / "work"
    workdir.mkdir()
    env = {
        **os.environ,
        "TOKEN": make_jwt("u-alice", "alice", email="alice@example.com", exp=expires),
        "ADMIN_TOKEN": make_jwt("u-admin", "admin", email="admin@example.com", exp=expires),
    }
    server.start()
    try:
        env["REGISTRY"] = server.url
        for example in runnable:
            run_example(example, workdir, env)
    finally:
        server.stop()


# --- the convention itself: a guide that breaks it, or an example that lies, fails ----------


def _guide(*blocks: str) -> str:
    return "\n\nSome prose.\n\n".join(blocks)


def test_a_block_without_a_marker_is_refused() -> None:
    with pytest.raises(GuideError, match="line 1: block 'bash'"):
        parse_blocks("```bash\ncurl -s x\n```\n")
    with pytest.raises(GuideError, match="neither run"):
        parse_blocks("```\nplain\n```\n")
    with pytest.raises(GuideError, match="neither run"):
        parse_blocks("```bash norun:\nno reason given\n```\n")
    with pytest.raises(GuideError, match="neither run"):
        parse_blocks("```ruby run\nputs 1\n```\n")


def test_markers_are_parsed_and_outputs_paired_with_their_run_block() -> None:
    text = _guide(
        "```bash norun: needs a real ToolBoxV2\ntb login\n```",
        "```bash run\necho '{\"a\": 1}'\n```",
        '```json output\n{"a": 1}\n```',
        "```python run\npass\n```",
    )
    blocks = parse_blocks(text)
    assert [(b.language, b.marker) for b in blocks] == [
        ("bash", "norun"),
        ("bash", "run"),
        ("json", "output"),
        ("python", "run"),
    ]
    assert blocks[0].reason == "needs a real ToolBoxV2"
    paired = examples(blocks)
    assert [(e.run.language, e.output and e.output.language) for e in paired] == [
        ("bash", "json"),
        ("python", None),
    ]
    with pytest.raises(GuideError, match="must follow a run block"):
        examples(parse_blocks(_guide("```bash norun: x\nx\n```", "```json output\n{}\n```")))
    with pytest.raises(GuideError, match="never closed"):
        parse_blocks("```bash run\necho\n")


def _example(output_language: str | None, output: str) -> Example:
    run = Block(1, "bash", "run", "", "true\n")
    shown = Block(5, output_language, "output", "", output) if output_language else None
    return Example(run, shown)


def test_json_outputs_match_with_the_volatile_value_rules() -> None:
    shown = '{"id": "...", "name": "hello", "tags": ["a", "..."], "more": {"x": 1, "...": "..."}}'
    check_output(
        _example("json", shown),
        '{"id": 42, "name": "hello", "tags": ["a", "b", "c"], "more": {"x": 1, "y": 2}}',
    )
    for printed in [
        '{"id": 42, "name": "HELLO", "tags": ["a"], "more": {"x": 1}}',  # a value differs
        '{"id": 42, "name": "hello", "tags": [], "more": {"x": 1}}',  # a listed item missing
        '{"id": 42, "name": "hello", "tags": ["a"], "more": {"y": 2}}',  # a listed key missing
        '{"id": 42, "name": "hello", "tags": ["a"], "more": {"x": 1}, "new": 0}',  # closed object
        '{"id": 42, "name": "hello", "tags": ["a"], "more": {"x": true}}',  # true is not 1
        "not json",
    ]:
        with pytest.raises(GuideError):
            check_output(_example("json", shown), printed)
    with pytest.raises(GuideError):
        check_output(_example("json", '["a"]'), '["a", "b"]')  # closed list


def test_text_outputs_and_silent_blocks() -> None:
    check_output(_example("text", "ok\n"), "ok  \n")
    with pytest.raises(GuideError):
        check_output(_example("text", "ok\n"), "OK\n")
    check_output(_example(None, ""), "\n")
    with pytest.raises(GuideError, match="no output block"):
        check_output(_example(None, ""), "something\n")


def test_a_failing_command_fails_the_example(tmp_path: Path) -> None:
    failing = Example(Block(1, "bash", "run", "", "false\necho never\n"), None)
    with pytest.raises(GuideError, match="exited with 1"):
        run_example(failing, tmp_path, dict(os.environ))
