"""Scanner benchmark: throughput on a ~200 MiB benign mod, and peak RSS on 10 GiB bombs.

1. Throughput: `scan_archive` over a generated mod (Python sources, YAML/JSON data, stored
   binary assets) against reading every entry with the standard library's `zipfile` (streamed
   in 1 MiB reads, CRC-checked), best of `--repeat` runs each, in the same process.
   Target: the scanner reaches >= 50% of zipfile's throughput.
2. Memory: each bomb is scanned in a fresh child process that reports its peak RSS (Linux
   `VmHWM`, else `ru_maxrss`: the whole process, interpreter and libmagic included).
   Bombs expand to 10 GiB; one run lifts every limit so all 10 GiB are really inflated.
   Target: peak RSS < 64 MiB.

Inputs are generated in a temporary directory and removed afterwards. About 1-2 minutes.

    uv run python bench/scan_bench.py [--mod-mib 200] [--bomb-gib 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from domain.enums import PackageType, ScanVerdict
from domain.scanning import ScanLimits, scan_archive
from storage.local import LocalFileReader

MiB = 1024 * 1024
GiB = 1024 * MiB
RSS_LIMIT_MIB = 64
THROUGHPUT_TARGET = 0.5
MOD = "BenchMod"
_WORDS = (
    "self",
    "return",
    "def",
    "class",
    "import",
    "value",
    "result",
    "config",
    "data",
    "for",
    "in",
    "if",
    "else",
    "None",
    "True",
    "False",
    "async",
    "await",
    "items",
    "registry",
    "package",
    "version",
    "request",
    "response",
    "handler",
    "path",
    "name",
)


# --- inputs -------------------------------------------------------------------------------


def _source_lines(rng: random.Random, count: int) -> list[str]:
    lines = []
    for _ in range(count):
        indent = "    " * rng.randint(0, 3)
        words = " ".join(rng.choice(_WORDS) + str(rng.randint(0, 999)) for _ in range(6))
        lines.append(f"{indent}{words}\n")
    return lines


def build_benign_mod(path: Path, target_mib: int) -> tuple[int, int]:
    """~40% Python sources, ~10% YAML/JSON data, ~50% stored random assets. Returns
    (entries, uncompressed bytes)."""
    rng = random.Random(5)
    pool = _source_lines(rng, 40_000)
    entries = 0
    total = 0
    sources_budget = int(target_mib * 0.4) * MiB
    data_budget = int(target_mib * 0.1) * MiB
    asset_budget = target_mib * MiB - sources_budget - data_budget
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            f"{MOD}/tbConfig.yaml", f"module_name: {MOD}\nversion: 1.0.0\ndependencies: [DB]\n"
        )
        entries += 1
        written = 0
        index = 0
        while written < sources_budget:
            size = rng.randint(4_000, 160_000)
            text = []
            length = 0
            while length < size:
                line = pool[rng.randrange(len(pool))]
                text.append(line)
                length += len(line)
            body = "".join(text).encode()
            archive.writestr(f"{MOD}/pkg{index // 50}/module_{index}.py", body)
            written += len(body)
            index += 1
            entries += 1
        total += written
        written = 0
        index = 0
        while written < data_budget:
            records = [
                {"id": i, "name": rng.choice(_WORDS), "score": rng.random()}
                for i in range(rng.randint(2_000, 20_000))
            ]
            body = json.dumps(records).encode()
            archive.writestr(f"{MOD}/data/table_{index}.json", body)
            written += len(body)
            index += 1
            entries += 1
        total += written
        written = 0
        index = 0
        while written < asset_budget:
            size = min(asset_budget - written, rng.randint(1, 8) * MiB)
            info = zipfile.ZipInfo(f"{MOD}/assets/blob_{index}.bin", (2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, rng.randbytes(size))
            written += size
            index += 1
            entries += 1
        total += written
    return entries, total


def _zero_bomb(total: int) -> tuple[bytes, int]:
    """Raw deflate expanding to `total` zeros: one full-flushed 1 MiB block, repeated."""
    zeros = bytes(MiB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    piece = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    final = compressor.flush()
    crc = 0
    for _ in range(total // MiB):
        crc = zlib.crc32(zeros, crc)
    return piece * (total // MiB) + final, crc


def build_bomb(path: Path, expands_to: int, *, lying: bool) -> None:
    """A mod with one entry inflating to `expands_to` zeros. Honest: ZIP64 sizes. Lying: the
    headers claim 1 KiB."""
    compressed, crc = _zero_bomb(expands_to)
    manifest = f"module_name: {MOD}\nversion: 1.0.0\n".encode()
    entries = [
        (f"{MOD}/tbConfig.yaml", 0, manifest, zlib.crc32(manifest), len(manifest)),
        (f"{MOD}/__init__.py", 0, b"", 0, 0),
        (f"{MOD}/zeros.bin", 8, compressed, crc, 1024 if lying else expands_to),
    ]
    with open(path, "wb") as out:
        central = []
        for name, method, data, data_crc, usize in entries:
            offset = out.tell()
            raw = name.encode()
            wide = usize >= 0xFFFFFFFF
            extra = struct.pack("<HHQQ", 1, 16, usize, len(data)) if wide else b""
            out.write(
                struct.pack(
                    "<4sHHHHHIIIHH",
                    b"PK\x03\x04",
                    45 if wide else 20,
                    0,
                    method,
                    0,
                    0x5A21,
                    data_crc,
                    0xFFFFFFFF if wide else len(data),
                    0xFFFFFFFF if wide else usize,
                    len(raw),
                    len(extra),
                )
                + raw
                + extra
            )
            out.write(data)
            cextra = struct.pack("<HHQQ", 1, 16, usize, len(data)) if wide else b""
            central.append(
                struct.pack(
                    "<4sBBHHHHHIIIHHHHHII",
                    b"PK\x01\x02",
                    20,
                    3,
                    45 if wide else 20,
                    0,
                    method,
                    0,
                    0x5A21,
                    data_crc,
                    0xFFFFFFFF if wide else len(data),
                    0xFFFFFFFF if wide else usize,
                    len(raw),
                    len(cextra),
                    0,
                    0,
                    0,
                    0o100644 << 16,
                    offset,
                )
                + raw
                + cextra
            )
        cd_offset = out.tell()
        for record in central:
            out.write(record)
        cd_size = out.tell() - cd_offset
        out.write(
            struct.pack(
                "<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(entries), len(entries), cd_size, cd_offset, 0
            )
        )


def build_overlap_bomb(path: Path, expands_to: int, files: int = 256) -> None:
    """Fifield's quoted-overlap bomb: each entry's deflate data quotes the next entry's local
    header in a stored block, then runs on into one shared kernel. CRC fields are left zero:
    the scanner rejects on overlap before it inflates anything."""
    kernel_size = expands_to // files
    kernel, _ = _zero_bomb(kernel_size)
    names = [f"{i:04d}".encode() for i in range(files)]
    headers: list[bytes] = [b""] * files
    compressed_len, content_len = len(kernel), kernel_size
    for i in reversed(range(files)):
        headers[i] = (
            struct.pack(
                "<4sHHHHHIIIHH",
                b"PK\x03\x04",
                20,
                0,
                8,
                0,
                0x5A21,
                0,
                compressed_len,
                content_len,
                len(names[i]),
                0,
            )
            + names[i]
        )
        compressed_len += 5 + len(headers[i])
        content_len += len(headers[i])
    with open(path, "wb") as out:
        offsets = []
        for i in range(files):
            offsets.append(out.tell())
            out.write(headers[i])
            if i < files - 1:
                quoted = len(headers[i + 1])
                out.write(struct.pack("<BHH", 0, quoted, quoted ^ 0xFFFF))
        out.write(kernel)
        cd_offset = out.tell()
        for i in range(files):
            csize, usize = struct.unpack_from("<II", headers[i], 18)
            out.write(
                struct.pack(
                    "<4sBBHHHHHIIIHHHHHII",
                    b"PK\x01\x02",
                    20,
                    3,
                    20,
                    0,
                    8,
                    0,
                    0x5A21,
                    0,
                    csize,
                    usize,
                    len(names[i]),
                    0,
                    0,
                    0,
                    0,
                    0o100644 << 16,
                    offsets[i],
                )
                + names[i]
            )
        cd_size = out.tell() - cd_offset
        out.write(
            struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, files, files, cd_size, cd_offset, 0)
        )


# --- measurements -------------------------------------------------------------------------


def read_all_with_zipfile(path: Path) -> int:
    produced = 0
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            with archive.open(info) as handle:
                while chunk := handle.read(MiB):
                    produced += len(chunk)
    return produced


def scan_file(
    path: Path, limits: ScanLimits | None = None, *, magic_on_text: bool = False
) -> dict[str, object]:
    with LocalFileReader(path) as reader:
        report = scan_archive(
            reader,
            limits=limits,
            package_type=PackageType.MOD,
            package_name=MOD,
            magic_on_text=magic_on_text,
        )
    return report.to_dict()


def best_of(repeat: int, action: object) -> tuple[float, object]:
    best = float("inf")
    result: object = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = action()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best, result


def peak_rss_kib() -> int:
    """This process's peak RSS. Linux: VmHWM, which starts afresh at exec (ru_maxrss keeps
    the forking parent's high-water mark across exec, which would blame the parent's size on
    the scanner). Elsewhere: ru_maxrss."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def child_main(path: str, unlimited: bool) -> None:
    """Runs in a fresh process: scan once, print the verdict and peak RSS as JSON."""
    limits = None
    if unlimited:
        limits = ScanLimits(
            max_total_size=1 << 50, max_entry_size=1 << 50, max_ratio=1e15, max_total_ratio=1e15
        )
    baseline = peak_rss_kib()
    started = time.perf_counter()
    report = scan_file(Path(path), limits)
    elapsed = time.perf_counter() - started
    peak = peak_rss_kib()
    print(
        json.dumps(
            {
                "rule": report["rule"],
                "verdict": report["verdict"],
                "inflated": report["total_uncompressed"],
                "seconds": elapsed,
                "baseline_kib": baseline,
                "peak_kib": peak,
            }
        )
    )


def run_child(path: Path, *, unlimited: bool) -> dict[str, object]:
    command = [sys.executable, __file__, "--child", str(path)]
    if unlimited:
        command.append("--unlimited")
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mod-mib", type=int, default=200)
    parser.add_argument("--bomb-gib", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child")
    parser.add_argument("--unlimited", action="store_true")
    args = parser.parse_args()
    if args.child:
        child_main(args.child, args.unlimited)
        return 0

    ok = True
    with tempfile.TemporaryDirectory(prefix="scan-bench-") as scratch:
        folder = Path(scratch)
        mod = folder / "mod.zip"
        started = time.perf_counter()
        entries, uncompressed = build_benign_mod(mod, args.mod_mib)
        print(
            f"benign mod: {entries} entries, {uncompressed / MiB:.0f} MiB uncompressed, "
            f"{mod.stat().st_size / MiB:.0f} MiB zipped (built in "
            f"{time.perf_counter() - started:.0f} s)"
        )
        zip_time, produced = best_of(args.repeat, lambda: read_all_with_zipfile(mod))
        scan_time, report = best_of(args.repeat, lambda: scan_file(mod))
        all_time, all_report = best_of(args.repeat, lambda: scan_file(mod, magic_on_text=True))
        for result in (report, all_report):
            assert isinstance(result, dict)
            if result["verdict"] != ScanVerdict.PASS:
                print(f"the benign mod failed the scan: {result}")
                return 1
        share = zip_time / scan_time
        ok &= share >= THROUGHPUT_TARGET
        print()
        print(f"| reader | best of {args.repeat} | MiB/s (uncompressed) | vs zipfile |")
        print("|---|---|---|---|")
        print(
            f"| zipfile, every entry | {zip_time:.2f} s | {produced / MiB / zip_time:.0f} | 100% |"
        )
        print(
            f"| scan_archive (default) | {scan_time:.2f} s | "
            f"{uncompressed / MiB / scan_time:.0f} | {share:.0%} (target >= "
            f"{THROUGHPUT_TARGET:.0%}) |"
        )
        print(
            f"| scan_archive, libmagic on text entries too | {all_time:.2f} s | "
            f"{uncompressed / MiB / all_time:.0f} | {zip_time / all_time:.0%} |"
        )
        del report, all_report

        print()
        size = args.bomb_gib * GiB
        bombs = [
            ("honest sizes (ZIP64), default limits", "honest.zip", False, False),
            ("lying sizes (claims 1 KiB), default limits", "lying.zip", True, False),
            ("honest sizes, every limit lifted (inflates it all)", "honest.zip", False, True),
            ("Fifield quoted overlap, 256 files, default limits", "overlap.zip", None, False),
        ]
        print(
            f"| {args.bomb_gib} GiB bomb | zipped | verdict | inflated | time | "
            "peak RSS (baseline) |"
        )
        print("|---|---|---|---|---|---|")
        built: set[str] = set()
        for label, filename, lying, unlimited in bombs:
            path = folder / filename
            if filename not in built:
                if lying is None:
                    build_overlap_bomb(path, size)
                else:
                    build_bomb(path, size, lying=lying)
                built.add(filename)
            result = run_child(path, unlimited=unlimited)
            peak_mib = int(result["peak_kib"]) / 1024  # type: ignore[call-overload]
            base_mib = int(result["baseline_kib"]) / 1024  # type: ignore[call-overload]
            ok &= peak_mib < RSS_LIMIT_MIB
            verdict = result["verdict"] if result["rule"] is None else result["rule"]
            inflated = int(result["inflated"]) / MiB  # type: ignore[call-overload]
            print(
                f"| {label} | {path.stat().st_size / MiB:.1f} MiB | {verdict} | "
                f"{inflated:.0f} MiB | {float(result['seconds']):.1f} s | "  # type: ignore[arg-type]
                f"{peak_mib:.1f} MiB ({base_mib:.1f}) |"
            )
    print()
    print(
        f"targets: throughput >= {THROUGHPUT_TARGET:.0%} of zipfile, peak RSS < "
        f"{RSS_LIMIT_MIB} MiB -> {'ok' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
