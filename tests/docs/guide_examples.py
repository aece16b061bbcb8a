"""The executable examples of a Markdown guide (docs/api.md): how they are found, run and checked.

Every fenced block of the guide carries a marker after its language, and a block without one is
an error, so no example can sit in the guide unchecked:

- ```` ```bash run ```` / ```` ```python run ````: a command (bash with `-euo pipefail`) or a
  script, run in order, all in one working directory, with the environment the test provides
  ($REGISTRY, $TOKEN, $ADMIN_TOKEN);
- ```` ```json output ````: what the run block just before it prints, as one JSON value;
- ```` ```text output ````: what it prints, as text (trailing whitespace ignored);
- ```` ```LANG norun: REASON ````: shown only; the reason must be given.

A run block without an output block must print nothing. In JSON outputs, volatile values (ids,
timestamps, checksums, secrets) are written `"..."`, which matches any value; an object with a
`"...": "..."` entry may have more keys than it lists; a list whose last item is `"..."` may have
more items than it lists. Everything else must be equal.

The parser reads the guide line by line (a fence is a line starting with three backticks); the
guide's own fences are plain, so a Markdown library would add nothing but a dependency.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FENCE = "```"
ANY = "..."
RUNNERS = {"bash": ["bash", "-euo", "pipefail"], "python": [sys.executable]}
OUTPUT_KINDS = ("json", "text")
RUN_TIMEOUT_SECONDS = 120


class GuideError(AssertionError):
    """The guide breaks the marker convention, or an example does not do what it shows."""


@dataclass(frozen=True)
class Block:
    line: int  # 1-based line of the opening fence
    language: str
    marker: str  # "run", "output" or "norun"
    reason: str  # norun only
    body: str

    @property
    def where(self) -> str:
        return f"line {self.line} ({self.language} {self.marker})"


@dataclass(frozen=True)
class Example:
    run: Block
    output: Block | None


def parse_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.startswith(FENCE):
            index += 1
            continue
        start = index
        info = line[len(FENCE) :].strip()
        body: list[str] = []
        index += 1
        while index < len(lines) and lines[index].rstrip() != FENCE:
            body.append(lines[index])
            index += 1
        if index == len(lines):
            raise GuideError(f"line {start + 1}: the block is never closed")
        index += 1
        blocks.append(_block(start + 1, info, "\n".join(body) + "\n"))
    return blocks


def _block(line: int, info: str, body: str) -> Block:
    language, _, marker = info.partition(" ")
    marker = marker.strip()
    if marker == "run" and language in RUNNERS:
        return Block(line, language, "run", "", body)
    if marker == "output" and language in OUTPUT_KINDS:
        return Block(line, language, "output", "", body)
    if marker.startswith("norun:") and marker[len("norun:") :].strip():
        return Block(line, language, "norun", marker[len("norun:") :].strip(), body)
    raise GuideError(
        f"line {line}: block {info!r} is neither run ({' or '.join(RUNNERS)} run), "
        f"output ({' or '.join(OUTPUT_KINDS)} output) nor marked 'LANG norun: REASON'"
    )


def examples(blocks: list[Block]) -> list[Example]:
    """Run blocks, each with the output block right after it (if any)."""
    found: list[Example] = []
    previous: Block | None = None
    for block in blocks:
        if block.marker == "run":
            found.append(Example(block, None))
        elif block.marker == "output":
            if previous is None or previous.marker != "run":
                raise GuideError(f"{block.where}: an output block must follow a run block")
            found[-1] = Example(found[-1].run, block)
        previous = block
    return found


def matches(expected: Any, actual: Any) -> bool:
    """`actual` is what `expected` shows, with the volatile-value rules of the module doc."""
    if expected == ANY:
        return True
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return False
        listed = {key: value for key, value in expected.items() if key != ANY}
        open_ended = expected.get(ANY) == ANY
        if not open_ended and set(actual) != set(listed):
            return False
        return all(key in actual and matches(value, actual[key]) for key, value in listed.items())
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return False
        open_ended = bool(expected) and expected[-1] == ANY
        listed = expected[:-1] if open_ended else expected
        if len(actual) < len(listed) or (not open_ended and len(actual) != len(listed)):
            return False
        return all(matches(e, a) for e, a in zip(listed, actual, strict=False))
    # bool is an int in Python: true must not match 1.
    return type(expected) is type(actual) and expected == actual


def run_example(example: Example, workdir: Path, env: dict[str, str]) -> str:
    """Runs the example's block and checks its output; returns what it printed."""
    block = example.run
    result = subprocess.run(
        [*RUNNERS[block.language], "-"],
        input=block.body,
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
    )
    if result.returncode != 0:
        raise GuideError(
            f"{block.where} exited with {result.returncode}\n{block.body}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}"
        )
    check_output(example, result.stdout)
    return result.stdout


def check_output(example: Example, printed: str) -> None:
    expected = example.output
    if expected is None:
        if printed.strip():
            raise GuideError(
                f"{example.run.where} printed, but no output block shows it:\n{printed}"
            )
        return
    if expected.language == "text":
        if _text_lines(printed) != _text_lines(expected.body):
            raise GuideError(
                f"{expected.where} shows\n{expected.body}\nbut the run printed\n{printed}"
            )
        return
    try:
        actual = json.loads(printed)
    except json.JSONDecodeError as error:
        raise GuideError(
            f"{example.run.where} did not print one JSON value: {printed!r}"
        ) from error
    shown = json.loads(expected.body)
    if not matches(shown, actual):
        raise GuideError(
            f"{expected.where} shows\n{json.dumps(shown, indent=2)}\n"
            f"but the run printed\n{json.dumps(actual, indent=2)}"
        )


def _text_lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines()]
