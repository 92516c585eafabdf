"""Peak memory of ingesting one delivered file (issue 14: no single file may take the pipeline over 1 GiB).

Each measurement generates a hostile file, drops it into a landing folder and runs
``ingest_source`` for that one source in a fresh Python process (a fresh DuckDB file, or the one
given), and reports the process's peak resident memory (``wait4``'s ``ru_maxrss``), its wall time,
and what became of the file (the first quarantine rule, or ``loaded``).

Kinds (``--kind``, repeatable; default all):

* ``xlsx_string_bomb``: a ~1 MB workbook (``services``) whose shared-strings part is one string of
  ``--xlsx-mib`` MiB (1024), the zip's sizes declared honestly;
* ``xlsx_lying_sizes``: the same with the zip declaring the shared strings 1 KiB (a lying header);
* ``xlsx_big_string``: one shared string just under the unpacked bound (``MAX_UNPACKED_BYTES``), so
  the size check lets it through to whatever bounds the reading;
* ``xlsx_many_cells``: a sheet of small number cells just under the unpacked bound;
* ``xlsx_far_column``: 10 000 rows each holding one number in column XFD (16 384 cells a row);
* ``jsonstat_size_bomb``: a JSON-stat dataset (``population``) whose ``size`` claims 1000 x 1000 x
  1000 cells, with a sparse ``value`` of one cell;
* ``csv_bad_last_line``: a Norwegian CSV (``ppt``) of ``--csv-mb`` MB (200) whose last line has a
  field too many;
* ``csv_wide_header``, ``csv_wide_row``: a Norwegian CSV just under its limit whose header, or
  first data line, is ten million separators;
* ``csv_under_limit``: a Norwegian CSV (``ppt``) just under its contract's file-size limit;
* ``ssb_csv_under_limit``: an SSB CSV (``child_welfare``) just under its limit, no value repeated;
* ``ssb_csv_wide``: an SSB CSV just under its limit with 997 value columns (5 million cells);
* ``jsonstat_at_cell_bound``: a dense JSON-stat dataset of ``MAX_DATASET_CELLS`` cells.

The last line of the output is one JSON object: kind -> {file_mb, peak_mib, seconds, result}.

    .venv/bin/python scripts/file_memory.py [--kind csv_bad_last_line] [--csv-mb 200]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
AS_OF = "2026-04-15"
MIB = 1 << 20

# The header and a valid data line of the PPT contract's CSV (Windows-1252 or UTF-8 alike).
PPT_HEADER = (
    "År;Bydel;Aldersgruppe;Førstegangskonsultasjoner;Snittalder ved førstegangskonsultasjon;"
    "Barn med vedtak;Ferdig utredet før skolestart\n"
)
PPT_LINE = "2016;Østre Bærum;0-5 år (barnehage);107;4,1;151;52\n"


# -- hostile files -----------------------------------------------------------------------------


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="xl/workbook.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Ark1" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
        '<Relationship Id="rId2" Target="sharedStrings.xml" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
        "</Relationships>"
    ),
}
_SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = b"</sheetData></worksheet>"
_STRINGS_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
)


def _small_sheet(part) -> None:
    part.write(
        _SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>Tjeneste</t></is></c></row>'
        b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>' + _SHEET_TAIL
    )


def xlsx_package(
    target: Path, write_sheet, write_strings, *, lie_about_strings: int | None = None, level: int = 1
) -> Path:
    """A one-sheet workbook whose sheet and shared-strings parts are written in chunks by
    ``write_sheet(part)`` and ``write_strings(part)`` (never held in memory whole).
    ``lie_about_strings``: the size the zip declares for the shared strings instead of the true one;
    ``level``: the deflate level (9: the smallest file)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for name, text in _XLSX_PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            write_sheet(part)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            write_strings(part)
    if lie_about_strings is not None:
        _declare_size(target, "xl/sharedStrings.xml", lie_about_strings)
    return target


def _declare_size(target: Path, name: str, size: int) -> None:
    """Rewrite the uncompressed size the zip's central directory declares for ``name`` (what a zip
    reader goes by), as a hostile tool would; the compressed data stay as they are."""
    data = bytearray(target.read_bytes())
    entry = -1
    at = 0
    while (at := data.find(b"PK\x01\x02", at)) >= 0:
        name_length = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + name_length] == name.encode():
            entry = at
            break
        at += 4
    assert entry >= 0, f"{name} not in the central directory"
    declared = int.from_bytes(data[entry + 24 : entry + 28], "little")
    if declared != 0xFFFFFFFF:
        data[entry + 24 : entry + 28] = size.to_bytes(4, "little")
    else:  # the zip64 extra field (id 0x0001) holds it, uncompressed size first
        name_length, extra_length = (int.from_bytes(data[entry + o : entry + o + 2], "little") for o in (28, 30))
        extra = entry + 46 + name_length
        while extra < entry + 46 + name_length + extra_length:
            kind, length = (int.from_bytes(data[extra + o : extra + o + 2], "little") for o in (0, 2))
            if kind == 1:
                data[extra + 4 : extra + 12] = size.to_bytes(8, "little")
                break
            extra += 4 + length
    target.write_bytes(bytes(data))


def xlsx_string_bomb(target: Path, unpacked: int, *, wide: bool = False, lie: bool = False, level: int = 1) -> Path:
    """Cell A2 holds shared string 0, one string of ``unpacked`` bytes ("A" repeated; ``wide``: with
    one character outside Latin-1 first, so that Python holds it with 4 bytes per character);
    ``lie``: the zip declares the part 1 KiB."""
    head = _STRINGS_HEAD + b"<si><t>" + ("\U0001f600".encode() if wide else b"")
    tail = b"</t></si></sst>"

    def write(part) -> None:
        part.write(head)
        chunk = b"A" * MIB
        left = unpacked - len(head) - len(tail)
        while left > 0:
            part.write(chunk[: min(left, MIB)])
            left -= MIB
        part.write(tail)

    return xlsx_package(target, _small_sheet, write, lie_about_strings=1024 if lie else None, level=level)


def xlsx_many_cells(target: Path, unpacked: int) -> Path:
    """A sheet of one-digit number cells, eight to a row, filling ``unpacked`` bytes of sheet XML."""

    def write(part) -> None:
        part.write(_SHEET_HEAD)
        written, r = len(_SHEET_HEAD), 1
        while written < unpacked - 100_000:
            block = "".join(
                f'<row r="{i}">' + "".join(f'<c r="{c}{i}"><v>1</v></c>' for c in "ABCDEFGH") + "</row>"
                for i in range(r, r + 1000)
            ).encode()
            part.write(block)
            written += len(block)
            r += 1000
        part.write(_SHEET_TAIL)

    return xlsx_package(target, write, lambda part: part.write(_STRINGS_HEAD + b"</sst>"))


def xlsx_far_column(target: Path, rows: int) -> Path:
    """A header, then ``rows`` rows each holding one number in the last column Excel has (XFD):
    a few kilobytes on disk, 16 384 cells a row when read."""

    def write(part) -> None:
        part.write(_SHEET_HEAD + b'<row r="1"><c r="A1" t="inlineStr"><is><t>Tjeneste</t></is></c></row>')
        for r in range(2, rows + 2):
            part.write(f'<row r="{r}"><c r="XFD{r}"><v>1</v></c></row>'.encode())
        part.write(_SHEET_TAIL)

    return xlsx_package(target, write, lambda part: part.write(_STRINGS_HEAD + b"</sst>"), level=9)


def jsonstat_size_bomb(target: Path, sizes: tuple[int, ...] = (1000, 1000, 1000)) -> Path:
    """A JSON-stat 2.0 dataset whose dimensions multiply to ``prod(sizes)`` cells, one of them given
    in a sparse ``value`` object: tens of kilobytes on disk."""
    names = ["Region", "Alder", "Tid"][: len(sizes)] + [f"D{i}" for i in range(3, len(sizes))]
    dimension = {
        name: {"label": name, "category": {"index": [f"{i:04d}" for i in range(size)]}}
        for name, size in zip(names, sizes)
    }
    doc = {
        "version": "2.0",
        "class": "dataset",
        "label": "07459: Befolkning",
        "role": {"time": ["Tid"], "geo": ["Region"]},
        "id": names,
        "size": list(sizes),
        "dimension": dimension,
        "value": {"0": 1},
    }
    target.write_text(json.dumps(doc), encoding="utf-8")
    return target


def jsonstat_dense(target: Path, cells: int) -> Path:
    """A valid dense JSON-stat 2.0 population table of about ``cells`` cells: region codes no
    municipality has (9000, 9001, …) x ages 0-99 x the years 2010-2024, every value given (an array):
    the largest dataset the cell bound lets through, loaded whole."""
    regions = max(1, cells // 1500)
    doc = {
        "version": "2.0",
        "class": "dataset",
        "label": "07459: Befolkning",
        "role": {"time": ["Tid"], "geo": ["Region"]},
        "id": ["Region", "Alder", "Tid"],
        "size": [regions, 100, 15],
        "dimension": {
            "Region": {"category": {"index": [f"{9000 + i:04d}" for i in range(regions)]}},
            "Alder": {"category": {"index": [f"{a:03d}" for a in range(100)]}},
            "Tid": {"category": {"index": [str(2010 + y) for y in range(15)]}},
        },
        "value": [i % 9973 for i in range(regions * 1500)],
    }
    target.write_text(json.dumps(doc), encoding="utf-8")
    return target


def ssb_csv(target: Path, size: int) -> Path:
    """A valid SSB CSV (table 12870's shape: region, reporter, year, one value column) of about
    ``size`` bytes, every line another region (codes no municipality has), reporter and year 2010-2025,
    each value another number: the largest such file the default limit lets through, loaded whole."""
    header = '"region";"meldingsinstans";"år";"12870: Meldinger til barnevernet"\n'
    with target.open("w", encoding="utf-8") as out:
        out.write(header)
        written, i = len(header), 0
        while written < size - 200:
            region = 9000 + i // 192
            line = f'"{region} Kommune {region}";"{i % 12:02d} Melder {i % 12}";"{2010 + i // 12 % 16}";"{i}"\n'
            out.write(line)
            written += len(line.encode())
            i += 1
    return target


def wide_csv(target: Path, size: int, *, in_header: bool) -> Path:
    """A PPT CSV of about ``size`` bytes whose header (``in_header``) or first data line is one
    field followed by millions of separators."""
    header = PPT_HEADER.encode()
    wide = b"2016" + b";" * (size - len(header) - len(PPT_LINE.encode()) - 10) + b"\n"
    target.write_bytes(wide + PPT_LINE.encode() if in_header else header + wide + PPT_LINE.encode())
    return target


def ssb_csv_wide(target: Path, size: int, columns: int = 997) -> Path:
    """An SSB CSV of about ``size`` bytes with ``columns`` value columns ("1" each): some five
    million cells in 10 MB once turned into one row per cell."""
    with target.open("w", encoding="utf-8") as out:
        out.write("region;meldingsinstans;år;" + ";".join(f"v{i}" for i in range(columns)) + "\n")
        line_no, written = 0, out.tell()
        while True:
            line = f"0301 Oslo;00 I alt;{2010 + line_no % 16};" + ";".join(["1"] * columns) + "\n"
            if written + len(line) > size:
                break
            out.write(line)
            written += len(line)
            line_no += 1
    return target


def ppt_csv(target: Path, size: int, *, bad_last_line: bool) -> Path:
    """A PPT CSV of about ``size`` bytes (UTF-8): the header, the same valid line over and over,
    and, with ``bad_last_line``, a last line with a field too many."""
    line = PPT_LINE.encode()
    block = line * (MIB // len(line))
    with target.open("wb") as out:
        out.write(PPT_HEADER.encode())
        written = len(PPT_HEADER.encode())
        while written + len(block) <= size - 2 * len(line):
            out.write(block)
            written += len(block)
        while written + len(line) <= size - len(line):
            out.write(line)
            written += len(line)
        out.write(line[:-1] + (b";1\n" if bad_last_line else b"\n"))
    return target


# -- measuring ---------------------------------------------------------------------------------


# A forked child's ``ru_maxrss`` (what ``wait4`` reports) starts at its parent's resident size (Linux
# keeps the larger of the old and the new address space's high-water mark across exec): measured
# from a pytest worker that holds a pipeline run, every child would look at least that big. The
# child reports its own address space's high-water mark (``VmHWM``) as it exits instead.
_REPORT_OWN_PEAK = """import atexit as _atexit, os as _os
def _sbu_report_peak():
    with open("/proc/self/status") as _status:
        _kib = next(int(line.split()[1]) for line in _status if line.startswith("VmHWM:"))
    with open(_os.environ["SBU_PEAK_FILE"], "w") as _out:
        _out.write(str(_kib))
_atexit.register(_sbu_report_peak)
"""


def run_measured(args: list[str], cwd: Path = REPO, cap_gib: float | None = None) -> dict:
    """Run ``args`` (``[python, "-c", program, *argv]``) as a child process: its exit code, peak
    resident memory (MiB: the child's own high-water mark, which it writes as it exits; if it dies
    before that, ``wait4``'s figure, which may include the parent's size), wall time (s), stdout
    and stderr. ``cap_gib``: the child's address space is limited to that (so a bomb fails with
    MemoryError instead of taking a shared machine's memory)."""
    if args[1:2] != ["-c"]:
        raise ValueError("run_measured runs a Python program given with -c")

    def limit() -> None:
        if cap_gib:
            cap = int(cap_gib * (1 << 30))
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    started = time.perf_counter()
    with (
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
        tempfile.TemporaryDirectory() as scratch,
    ):
        peak_file = Path(scratch) / "peak_kib"
        env = {**os.environ, "SBU_PEAK_FILE": str(peak_file)}
        program = [args[0], "-c", _REPORT_OWN_PEAK + args[2], *args[3:]]
        child = subprocess.Popen(program, cwd=cwd, stdout=out, stderr=err, text=True, env=env, preexec_fn=limit)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        peak_kib = int(peak_file.read_text()) if peak_file.exists() else usage.ru_maxrss
        out.seek(0)
        err.seek(0)
        return {
            "returncode": os.waitstatus_to_exitcode(status),
            "peak_mib": round(peak_kib / 1024, 1),
            "seconds": round(seconds, 2),
            "stdout": out.read(),
            "stderr": err.read(),
        }


def ingest_in_subprocess(
    source: str, landing: Path, quarantine: Path, warehouse: Path, cap_gib: float | None = None, code: Path = REPO
) -> dict:
    """Run ``ingest_source`` for ``source`` in a fresh Python process (:func:`run_measured`): its
    peak resident memory (MiB), wall time (s) and report (loaded files, quarantined files with
    their violations). ``code``: the checkout whose code runs (another worktree, e.g. main's, for a
    before figure)."""
    program = (
        "import datetime as dt, json, sys, duckdb\n"
        "from pathlib import Path\n"
        "from pipelines.ingest.landing import ingest_source\n"
        "con = duckdb.connect(sys.argv[4])\n"
        "r = ingest_source(con, sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]),"
        " as_of=dt.date.fromisoformat(sys.argv[5]))\n"
        "con.close()\n"
        "print(json.dumps({'loaded': r.loaded, 'quarantined': {f: [v.as_dict() for v in p] "
        "for f, p in r.quarantined.items()}}))\n"
    )
    args = [sys.executable, "-c", program, source, str(landing), str(quarantine), str(warehouse), AS_OF]
    outcome = run_measured(args, code, cap_gib)
    ok = outcome["returncode"] == 0
    return {
        "peak_mib": outcome["peak_mib"],
        "seconds": outcome["seconds"],
        "returncode": outcome["returncode"],
        "report": json.loads(outcome["stdout"].strip().splitlines()[-1]) if ok else None,
        "stderr": "" if ok else outcome["stderr"][-2000:],
    }


def _result(outcome: dict, name: str) -> str:
    report = outcome["report"]
    if report is None:
        return f"crashed (exit {outcome['returncode']})"
    if name in report["quarantined"]:
        return report["quarantined"][name][0]["rule"]
    return "loaded" if name in report["loaded"] else "not seen"


KINDS = {
    "xlsx_string_bomb": ("services", "tjenestetall_2016.xlsx"),
    "xlsx_lying_sizes": ("services", "tjenestetall_2016.xlsx"),
    "xlsx_big_string": ("services", "tjenestetall_2016.xlsx"),
    "xlsx_many_cells": ("services", "tjenestetall_2016.xlsx"),
    "xlsx_far_column": ("services", "tjenestetall_2016.xlsx"),
    "jsonstat_size_bomb": ("population", "ssb_07459_befolkning.json"),
    "csv_bad_last_line": ("ppt", "ppt_2016.csv"),
    "csv_wide_header": ("ppt", "ppt_2016.csv"),
    "csv_wide_row": ("ppt", "ppt_2016.csv"),
    "csv_under_limit": ("ppt", "ppt_2016.csv"),
    "ssb_csv_under_limit": ("child_welfare", "ssb_12870_meldinger_stor.csv"),
    "ssb_csv_wide": ("child_welfare", "ssb_12870_meldinger_brei.csv"),
    "jsonstat_at_cell_bound": ("population", "ssb_07459_befolkning.json"),
}


def make(kind: str, target: Path, *, xlsx_mib: int = 1024, csv_mb: int = 200) -> Path:
    from pipelines.readers.xlsx import MAX_UNPACKED_BYTES

    if kind == "xlsx_string_bomb":
        return xlsx_string_bomb(target, xlsx_mib * MIB, level=9)
    if kind == "xlsx_lying_sizes":
        return xlsx_string_bomb(target, xlsx_mib * MIB, lie=True, level=9)
    if kind == "xlsx_big_string":
        return xlsx_string_bomb(target, MAX_UNPACKED_BYTES - 64 * 1024, wide=True)
    if kind == "xlsx_many_cells":
        return xlsx_many_cells(target, MAX_UNPACKED_BYTES - 64 * 1024)
    if kind == "xlsx_far_column":
        return xlsx_far_column(target, 10_000)
    if kind == "jsonstat_size_bomb":
        return jsonstat_size_bomb(target)
    if kind == "csv_bad_last_line":
        return ppt_csv(target, csv_mb * 1_000_000, bad_last_line=True)
    if kind in ("csv_wide_header", "csv_wide_row"):
        from pipelines.ingest.contracts import load_contract

        limit = load_contract("ppt").tables[0].max_file_bytes
        return wide_csv(target, limit - 1024, in_header=kind == "csv_wide_header")
    if kind == "csv_under_limit":
        from pipelines.ingest.contracts import load_contract

        limit = load_contract("ppt").tables[0].max_file_bytes
        return ppt_csv(target, limit - 1024, bad_last_line=False)
    if kind == "ssb_csv_under_limit":
        from pipelines.ingest.contracts import load_contract

        limit = load_contract("child_welfare").tables[0].max_file_bytes
        return ssb_csv(target, limit - 1024)
    if kind == "ssb_csv_wide":
        from pipelines.ingest.contracts import load_contract

        return ssb_csv_wide(target, load_contract("child_welfare").tables[0].max_file_bytes - 1024)
    if kind == "jsonstat_at_cell_bound":
        from pipelines.readers.ssb import MAX_DATASET_CELLS

        return jsonstat_dense(target, MAX_DATASET_CELLS)
    raise ValueError(kind)


def measure(kind: str, cap_gib: float | None = None, code: Path = REPO, **sizes: int) -> dict:
    source, name = KINDS[kind]
    with tempfile.TemporaryDirectory(prefix="sbu_file_memory_") as tmp:
        root = Path(tmp)
        (root / "landing" / source).mkdir(parents=True)
        started = time.perf_counter()
        path = make(kind, root / "landing" / source / name, **sizes)
        made = time.perf_counter() - started
        file_mb = round(path.stat().st_size / 1e6, 3)
        outcome = ingest_in_subprocess(source, root / "landing", root / "quarantine", root / "w.duckdb", cap_gib, code)
        return {
            "file_mb": file_mb,
            "generate_s": round(made, 2),
            "peak_mib": outcome["peak_mib"],
            "seconds": outcome["seconds"],
            "result": _result(outcome, name),
            **({"stderr": outcome["stderr"]} if outcome["stderr"] else {}),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kind", action="append", choices=sorted(KINDS), help="repeatable; default: all")
    parser.add_argument("--xlsx-mib", type=int, default=1024)
    parser.add_argument("--csv-mb", type=int, default=200)
    parser.add_argument("--cap-gib", type=float, help="limit each child's address space (GiB)")
    parser.add_argument("--code", type=Path, default=REPO, help="run the ingest of this checkout (default: this one)")
    args = parser.parse_args()
    results = {}
    for kind in args.kind or list(KINDS):
        results[kind] = measure(kind, args.cap_gib, args.code, xlsx_mib=args.xlsx_mib, csv_mb=args.csv_mb)
        print(kind, results[kind], flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
