"""Mutated archives: the scanner returns a verdict for every input and never trips over one."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.scanning import Rule
from tests.scanning.helpers import MOD, TBCONFIG, scan
from tests.scanning.zipcraft import Entry, build_zip, stdlib_zip, streamed_zip, tar_bytes

SEEDS = [
    stdlib_zip(
        {
            f"{MOD}/tbConfig.yaml": TBCONFIG,
            f"{MOD}/__init__.py": "x = 1\n" * 40,
            f"{MOD}/v.zip": stdlib_zip({"a.py": "1"}),
            f"{MOD}/t.tar": tar_bytes({"a": b"b"}),
        }
    ),
    streamed_zip({f"{MOD}/tbConfig.yaml": TBCONFIG, f"{MOD}/__init__.py": b"y" * 3000}),
    build_zip(
        [
            Entry(f"{MOD}/tbConfig.yaml", TBCONFIG, zip64=True),
            Entry(f"{MOD}/__init__.py", b"z" * 500, zip64=True, descriptor=True),
        ],
        zip64_end=True,
        comment=b"c",
    ),
]

mutations = st.lists(
    st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)),
    min_size=1,
    max_size=8,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(range(len(SEEDS))),
    changes=mutations,
    cut=st.one_of(st.none(), st.integers(min_value=0)),
)
def test_mutated_archives_get_a_verdict(
    seed: int, changes: list[tuple[int, int]], cut: int | None
) -> None:
    data = bytearray(SEEDS[seed])
    for position, value in changes:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    report = scan(bytes(data))
    assert report.rule != Rule.SCANNER_ERROR, report.to_dict()
    assert report.verdict in ("pass", "fail")
