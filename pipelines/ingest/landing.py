"""Load a source's landing files into DuckDB: content hashes, slices, quarantine, provenance.

- Every file is identified by its SHA-256 (and name). The same file again is a no-op.
- A valid file replaces the slice it carries (the contract's ``sliceBy`` values: its periods *and*
  units, e.g. the school years of the schools in it) in one transaction (one per source and run, for all
  its files), and ``meta.file_loads`` records what it replaced (previous hash). A file for one school
  replaces that school's rows only.
- A file that would remove more rows from its slice than it brings is held: quarantined with the
  reason ``shrinks_slice`` (nothing removed). Put it back with an empty ``<file name>.bekreftet``
  beside it to apply it anyway; the confirmation is used up by that load.
- A file that breaks its contract, cannot be decoded or holds an identity number is moved to
  ``<quarantine>/<source>/`` with a machine-readable ``.reason.json`` and a Norwegian
  ``.reason.txt``; nothing from it enters DuckDB and the data already loaded stays.
- Every loaded row carries its file, hash, row number, load time and contract version.
- A municipality delivered under two region codes for one year is loaded once (same figures; the
  dropped code is named in ``meta.file_loads.notes_nb`` and the report's ``notes``) or quarantined
  (different figures), see :func:`pipelines.ingest.validate.resolve_region_codes`.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from pipelines.ingest.contracts import DUCKDB_TYPE, REGISTERS, Contract, TableSchema, load_contract
from pipelines.ingest.validate import FILE_YEAR, ROW, LoadNote, Violation, file_label, validate_file, violation
from pipelines.nb_format import format_datetime_nb
from pipelines.settings import resolve_as_of

if TYPE_CHECKING:
    from pipelines.plan import Plan

PROVENANCE = ["_source_file", "_file_hash", "_row", "_loaded_at", "_contract_version"]

META_DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE SCHEMA IF NOT EXISTS meta;
CREATE TABLE IF NOT EXISTS meta.file_loads (
    source VARCHAR NOT NULL,
    table_name VARCHAR,
    file_name VARCHAR NOT NULL,
    file_hash VARCHAR NOT NULL,
    status VARCHAR NOT NULL,          -- loaded | replaced | quarantined | superseded (contract changed)
    rows BIGINT,
    slice VARCHAR,                    -- JSON list of the periods the file covers (["*"]: the whole table)
    replaced_hashes VARCHAR,          -- JSON list of hashes this file replaced
    contract_version VARCHAR,
    processed_at TIMESTAMP NOT NULL,
    reason_code VARCHAR,
    reason_nb VARCHAR,
    notes_nb VARCHAR,                 -- what a load changed, e.g. a municipality's duplicate code dropped
    units VARCHAR                     -- JSON list of the units the file carries (schools, districts, regions)
);
ALTER TABLE meta.file_loads ADD COLUMN IF NOT EXISTS notes_nb VARCHAR;
ALTER TABLE meta.file_loads ADD COLUMN IF NOT EXISTS units VARCHAR;
"""

FILE_LOADS_COLUMNS = (
    "source, table_name, file_name, file_hash, status, rows, slice, replaced_hashes, "
    "contract_version, processed_at, reason_code, reason_nb, notes_nb, units"
)


@dataclass
class IngestReport:
    source: str
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    quarantined: dict[str, list[Violation]] = field(default_factory=dict)
    rebuilt: list[str] = field(default_factory=list)  # raw tables rebuilt after a contract change
    rows: dict[str, int] = field(default_factory=dict)  # rows now in each raw table
    notes: dict[str, list[LoadNote]] = field(default_factory=dict)  # loaded files whose load changed something

    def summary(self) -> dict[str, object]:
        return {
            "files_loaded": len(self.loaded),
            "files_unchanged": len(self.unchanged),
            "files_quarantined": len(self.quarantined),
            "tables_rebuilt": len(self.rebuilt),
            "duplicate_region_rows_dropped": sum(n.rows for notes in self.notes.values() for n in notes),
            **{f"rows_{t}": n for t, n in self.rows.items()},
        }


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# A file name may have at most 255 bytes on common file systems (ext4, NTFS, APFS count them so, or
# in UTF-16 units, which is no more); the quarantine name adds the hash prefix and ".reason.json".
MAX_NAME_BYTES = 255
_REASON_SUFFIX = ".reason.json"


def quarantine_name(file_hash: str, name: str) -> str:
    """``<hash12>__<name>``, the name shortened in the middle (its extension kept) so that the
    quarantine copy and its reason files fit any file system. The original name is in the reason."""
    prefix = f"{file_hash[:12]}__"
    room = MAX_NAME_BYTES - len(prefix) - len(_REASON_SUFFIX)
    if len(name.encode("utf-8")) <= room:
        return prefix + name
    stem, suffix = os.path.splitext(name)
    suffix = suffix if len(suffix.encode("utf-8")) <= 16 else ""
    marker = "…"
    budget = room - len(suffix.encode("utf-8")) - len(marker.encode("utf-8"))
    kept = stem.encode("utf-8")[:budget].decode("utf-8", errors="ignore")
    return prefix + kept + marker + suffix


def ensure_meta(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(META_DDL)


def _table_for(path: Path, contract: Contract) -> TableSchema | None:
    for table in contract.tables:
        if fnmatch.fnmatch(file_label(path), table.file_pattern):
            return table
    return None


def load_registers(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """The values of every register loaded so far (``REGISTERS``: e.g. the school numbers of
    ``raw.school_register``); a register not loaded yet is absent, and its rule is not checked."""
    out: dict[str, list[str]] = {}
    for name, (table, column) in REGISTERS.items():
        exists = con.execute(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'raw' AND table_name = ?", [table]
        ).fetchall()[0][0]
        if exists:
            values = con.execute(f'SELECT DISTINCT "{column}" FROM raw.{table} ORDER BY 1').fetchall()
            out[name] = [str(v) for (v,) in values if v is not None]
    return out


def _known_files(con: duckdb.DuckDBPyConnection, source: str) -> set[tuple[str, str]]:
    """(file name, content hash) of the last version loaded under each name. The name counts too:
    some exports carry their period only in the name (tjenestetall_2025.xlsx), so equal bytes
    under another name are another delivery. Only the last version per name counts, so putting
    back an older version of a file loads it again."""
    rows = con.execute(
        "SELECT file_name, arg_max(file_hash, rowid) FROM meta.file_loads "
        "WHERE source = ? AND status IN ('loaded', 'replaced') GROUP BY file_name",
        [source],
    ).fetchall()
    return {(name, h) for name, h in rows}


def _schema_changed(con: duckdb.DuckDBPyConnection, table: TableSchema) -> bool:
    """True when raw.<table> exists with other columns or types than the contract now gives."""
    existing = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = 'raw' "
        "AND table_name = ? ORDER BY ordinal_position",
        [table.name],
    ).fetchall()
    expected = [(c.split(" ", 1)[0].strip('"'), c.split(" ", 1)[1]) for c in _raw_columns(table).split(", ")]
    return bool(existing) and existing != expected


def _raw_columns(table: TableSchema) -> str:
    cols = [f'"{p.name}" {DUCKDB_TYPE[p.logicalType]}' for p in table.properties]
    cols += [
        "_source_file VARCHAR",
        "_file_hash VARCHAR",
        "_row BIGINT",
        "_loaded_at TIMESTAMP",
        "_contract_version VARCHAR",
    ]
    return ", ".join(cols)


def _quarantine(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    source: str,
    table: TableSchema | None,
    file_hash: str,
    problems: list[Violation],
    quarantine_dir: Path,
    version: str,
    now: dt.datetime,
) -> Path:
    """Copy the file and its reasons into quarantine and record it; :func:`ingest_source` takes it out
    of the landing folder only once the record is committed: if the process dies on the way, the file
    is still in one of the two places and the next run quarantines it again."""
    target_dir = quarantine_dir / source
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / quarantine_name(file_hash, file_label(path))
    if not path.is_symlink():  # a link out of landing: never copy what it points to; the reasons say why
        shutil.copy2(path, target)
    reason = {
        "source": source,
        "file": file_label(path),
        "sha256": file_hash,
        "quarantined_at": now.isoformat(timespec="seconds"),
        "violations": [p.as_dict() for p in problems],
    }
    target.with_name(target.name + ".reason.json").write_text(
        json.dumps(reason, ensure_ascii=False, indent=2), encoding="utf-8"
    )
    held = all(p.rule == "shrinks_slice" for p in problems)
    lines = [
        f"Filen «{file_label(path)}» ({source}) ble {'holdt tilbake' if held else 'avvist'} "
        f"{format_datetime_nb(now)} og er ikke lastet inn.",
        "Dataene som allerede var lastet inn, vises fortsatt. "
        + ("Bekreft leveransen som beskrevet under." if held else "Rett feilene og legg filen inn på nytt."),
        "",
    ]
    lines += [f"- {p.message_nb}" for p in problems]
    target.with_name(target.name + ".reason.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    con.execute(
        f"INSERT INTO meta.file_loads ({FILE_LOADS_COLUMNS}) "
        "VALUES (?, ?, ?, ?, 'quarantined', NULL, NULL, NULL, ?, ?, ?, ?, NULL, NULL)",
        [
            source,
            table.name if table else None,
            file_label(path),
            file_hash,
            version,
            now,
            problems[0].rule,
            "\n".join(p.message_nb for p in problems),
        ],
    )
    return target


def ingest_source(
    con: duckdb.DuckDBPyConnection,
    source: str,
    landing_dir: Path,
    quarantine_dir: Path,
    *,
    contract: Contract | None = None,
    plan: Plan | None = None,
    now: dt.datetime | None = None,
    as_of: dt.date | None = None,
) -> IngestReport:
    """Bring ``raw.<table>`` for every table of ``source`` up to date with its landing folder, checking
    each file against ``plan`` where the contract takes allowed values from it (None: the selected plan)
    and refusing periods that start after ``as_of`` (the run's status day; None: ``SBU_AS_OF`` or today)."""
    contract = contract or load_contract(source)
    as_of = as_of or resolve_as_of(None)
    now = (now or dt.datetime.now(dt.UTC)).replace(tzinfo=None, microsecond=0)
    report = IngestReport(source)
    ensure_meta(con)
    for table in contract.tables:
        if _schema_changed(con, table):
            # The contract's columns changed: rebuild the table from the files in the landing folder.
            con.execute(f"DROP TABLE raw.{table.name}")
            con.execute(
                "UPDATE meta.file_loads SET status = 'superseded' WHERE source = ? AND table_name = ? "
                "AND status IN ('loaded', 'replaced')",
                [source, table.name],
            )
            report.rebuilt.append(table.name)
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{table.name} ({_raw_columns(table)})")

    # One transaction for the source's files: each file's slice is swapped whole, and a file leaves the
    # landing folder (quarantined, or its confirmation used up) only once that is committed.
    con.execute("BEGIN TRANSACTION")
    try:
        quarantined, confirmed = _ingest_files(
            con, source, contract, landing_dir, quarantine_dir, plan, as_of, now, report
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    for path in quarantined:
        path.unlink()
    for confirmation in confirmed:
        confirmation.unlink(missing_ok=True)
    for table in contract.tables:
        report.rows[table.name] = con.execute(f"SELECT COUNT(*) FROM raw.{table.name}").fetchall()[0][0]
    return report


def _ingest_files(
    con: duckdb.DuckDBPyConnection,
    source: str,
    contract: Contract,
    landing_dir: Path,
    quarantine_dir: Path,
    plan: Plan | None,
    as_of: dt.date,
    now: dt.datetime,
    report: IngestReport,
) -> tuple[list[Path], list[Path]]:
    """Load or quarantine every new file of ``source`` (in the caller's transaction), filling ``report``;
    returns the paths quarantined and the confirmations used, to be removed once committed."""
    quarantined: list[Path] = []
    confirmed: list[Path] = []
    folder = landing_dir / source
    if _links_out_of(folder, landing_dir):
        # The source's folder itself a link to a folder elsewhere: none of its files is read.
        file_hash = hashlib.sha256(b"symlink:" + os.fsencode(os.readlink(folder))).hexdigest()
        problems = [violation(file_label(folder), "symlink", detail_nb=_SYMLINK_FOLDER_NB)]
        _quarantine(con, folder, source, None, file_hash, problems, quarantine_dir, contract.version, now)
        report.quarantined[file_label(folder)] = problems
        return [folder], []
    files = (
        sorted(
            (p for p in folder.glob("*") if (p.is_symlink() or p.is_file()) and not p.name.endswith(CONFIRM_SUFFIX)),
            key=lambda p: (p.lstat().st_mtime_ns, p.name),
        )
        if folder.is_dir()
        else []
    )
    known = _known_files(con, source)
    registers = load_registers(con)
    for path in files:
        if _links_out_of(path, landing_dir):
            # The hash of the link, not of what it points to: the target is never opened.
            file_hash = hashlib.sha256(b"symlink:" + os.fsencode(os.readlink(path))).hexdigest()
            problems = [violation(file_label(path), "symlink", detail_nb=_SYMLINK_NB)]
            _quarantine(con, path, source, None, file_hash, problems, quarantine_dir, contract.version, now)
            report.quarantined[file_label(path)] = problems
            quarantined.append(path)
            continue
        file_hash = sha256(path)
        if (file_label(path), file_hash) in known:
            report.unchanged.append(file_label(path))
            continue
        table = _table_for(path, contract)
        if table is None:
            problems = [
                violation(
                    file_label(path),
                    "unknown_file",
                    detail_nb="filen passer ikke med noe filnavnmønster i kontrakten ("
                    + ", ".join(t.file_pattern for t in contract.tables)
                    + ")",
                )
            ]
        else:
            typed, problems, notes = validate_file(path, table, plan, as_of, registers)
        if problems:
            _quarantine(con, path, source, table, file_hash, problems, quarantine_dir, contract.version, now)
            report.quarantined[file_label(path)] = problems
            quarantined.append(path)
            continue
        confirmation = path.with_name(path.name + CONFIRM_SUFFIX)
        con.register("incoming", typed.to_arrow())
        try:
            in_slice = _rows_in_slice(con, table)
            removed = sum(n for _, _, n, _ in in_slice)
            if removed > typed.height and not confirmation.is_file():
                vanishing = _vanishing_rows(con, table)
                reason = _shrink_reason(table, file_label(path), removed, typed.height, vanishing)
                problems = [violation(file_label(path), "shrinks_slice", detail_nb=reason)]
                _quarantine(con, path, source, table, file_hash, problems, quarantine_dir, contract.version, now)
                report.quarantined[file_label(path)] = problems
                quarantined.append(path)
                continue
            _load_slice(con, source, table, typed, in_slice, file_label(path), file_hash, contract.version, now, notes)
        finally:
            con.unregister("incoming")
        confirmed.append(confirmation)
        known.add((file_label(path), file_hash))
        report.loaded.append(file_label(path))
        if notes:
            report.notes[file_label(path)] = notes
    return quarantined, confirmed


_SYMLINK_NB = (
    "filen er en snarvei (symbolsk lenke) til noe utenfor mottaksmappen, og den er ikke lest eller kopiert; "
    "legg selve filen i mottaksmappen"
)


_SYMLINK_FOLDER_NB = (
    "mappen er en snarvei (symbolsk lenke) til en mappe utenfor mottaksmappen, og ingen av filene i den er "
    "lest eller kopiert; legg filene i en vanlig mappe med kildens navn i mottaksmappen"
)


def _links_out_of(path: Path, landing_dir: Path) -> bool:
    """True for a symbolic link whose target is not a file (a folder, for a source's folder) inside the
    landing folder, or does not exist: such a link is never followed."""
    if not path.is_symlink():
        return False
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return True
    landing = landing_dir.resolve()
    if path.parent.resolve() == landing:  # a source's folder
        return not (target.is_dir() and target.is_relative_to(landing) and target != landing)
    return not (target.is_file() and target.is_relative_to(landing))


# A delivery that would remove more rows than it brings is applied only with this file beside it.
CONFIRM_SUFFIX = ".bekreftet"


def _slice_condition(table: TableSchema) -> str:
    """SQL condition on ``raw.<table> t``: the row lies in a slice that ``incoming`` carries (null-safe:
    a unit the reader could not name is one unit, not none)."""
    ours, theirs = table.slice_key_sql("t"), table.slice_key_sql("i")
    if not ours:
        return "TRUE"
    pairs = " AND ".join(f"{a} IS NOT DISTINCT FROM {b}" for a, b in zip(ours, theirs))
    return f"EXISTS (SELECT 1 FROM incoming i WHERE {pairs})"


def _slice_values(typed: pl.DataFrame, table: TableSchema) -> tuple[list, list | None]:
    """The periods ``typed`` carries (the first ``sliceBy`` column; ``["*"]``: the whole table) and
    its units (the other ``sliceBy`` columns, one value or list per unit; None without units), each
    distinct and in order (nulls last)."""
    keys = table.slice_key_exprs()
    if not keys:
        return ["*"], None
    periods = typed.select(keys[0]).unique().sort(pl.all(), nulls_last=True).to_series().to_list()
    if len(keys) == 1:
        return periods, None
    units = typed.select(keys[1:]).unique()
    rows = units.sort(units.columns, nulls_last=True).rows()
    return periods, [list(r) if len(r) > 1 else r[0] for r in rows]


def _rows_in_slice(con: duckdb.DuckDBPyConnection, table: TableSchema) -> list[tuple[str, str, int, int]]:
    """The earlier deliveries (file name, hash) with rows in the slices of the registered ``incoming``:
    each with those rows (the ones loading it removes) and all its rows in ``raw.<table>``, in one scan."""
    return con.execute(
        "SELECT _source_file, _file_hash, COUNT(*) FILTER (WHERE hit) AS n, COUNT(*) FROM "
        f"(SELECT _source_file, _file_hash, {_slice_condition(table)} AS hit FROM raw.{table.name} t) "
        "GROUP BY ALL HAVING n > 0 ORDER BY ALL"
    ).fetchall()


def _vanishing_rows(con: duckdb.DuckDBPyConnection, table: TableSchema) -> list[tuple]:
    """The rows of ``raw.<table>`` in the slices of the registered ``incoming`` whose key it does not
    carry (loading it would make them disappear): the ``sliceBy`` values, then the other key columns,
    as stored."""
    names = {p.name for p in table.properties}
    keys = table.primary_key
    if not keys:
        return []

    def key(alias: str, column: str) -> str:
        if column == "region_code" and "municipality" in names:
            return f'coalesce({alias}."municipality", {alias}."region_code")'
        return f'{alias}."{column}"'

    same = " AND ".join(f"{key('t', k)} IS NOT DISTINCT FROM {key('i', k)}" for k in keys)
    shown = list(table.slice_by) + [k for k in keys if k not in table.slice_by]
    return con.execute(
        f"SELECT {', '.join(f't.{chr(34)}{c}{chr(34)}' for c in shown)} FROM raw.{table.name} t "
        f"WHERE {_slice_condition(table)} AND NOT EXISTS (SELECT 1 FROM incoming i WHERE {same}) ORDER BY ALL"
    ).fetchall()


def _shrink_reason(table: TableSchema, file: str, removed: int, brings: int, vanishing: list[tuple]) -> str:
    """Why a delivery is held, in the delivered column names: how many rows it would replace, and which
    of them would disappear (by period and unit, with a few of their other keys)."""
    props = {p.name: p for p in table.properties}

    def label(column: str) -> str:
        # What a reader derived (a year from the file name or an SSB time code, an SSB CSV's value
        # column headers) by what the file calls it.
        physical = props[column].physicalName
        return {FILE_YEAR: "år", "year": "år", "variable": "statistikkvariabel"}.get(physical, physical)

    physical = [label(c) for c in table.slice_by]
    what = ", ".join(physical) if physical else "hele tabellen"
    # The rows whose key the file does not carry; without a key, as many as the file brings fewer.
    gone = len(vanishing) if table.primary_key else removed - brings
    text = (
        f"filen ville erstatte {removed} rader med bare {brings} for det den dekker ({what}), "
        f"så {gone} rader ville forsvinne"
    )
    if vanishing:
        n_slice = len(table.slice_by)
        others = [label(c) for c in table.primary_key if c not in table.slice_by]
        groups: dict[tuple, list[tuple]] = {}
        for row in vanishing:
            groups.setdefault(row[:n_slice], []).append(row[n_slice:])
        parts = []
        for unit, rows in list(groups.items())[:5]:
            where = ", ".join(f"{name} {value}" for name, value in zip(physical, unit)) or "hele tabellen"
            keys = "; ".join(", ".join(f"{n} {v}" for n, v in zip(others, r)) for r in rows[:3])
            more = f" og {len(rows) - 3} til" if len(rows) > 3 else ""
            parts.append(
                f"{where}: {len(rows)} {'rad' if len(rows) == 1 else 'rader'}" + (f" ({keys}{more})" if keys else "")
            )
        if len(groups) > 5:
            parts.append(f"og {len(groups) - 5} andre")
        text += " – disse finnes nå, men ikke i filen: " + "; ".join(parts)
    return (
        text + "; den er holdt tilbake og ingenting er endret. Er det riktig (f.eks. en enhet som er lagt ned), "
        f"legg filen tilbake i mottaksmappen sammen med en tom fil som heter «{file}{CONFIRM_SUFFIX}», "
        "så lastes den inn ved neste kjøring"
    )


def _load_slice(
    con: duckdb.DuckDBPyConnection,
    source: str,
    table: TableSchema,
    typed: pl.DataFrame,
    in_slice: list[tuple[str, str, int, int]],
    file_name: str,
    file_hash: str,
    version: str,
    now: dt.datetime,
    notes: list[LoadNote] | None = None,
) -> None:
    """Replace the slices of ``typed`` (registered as ``incoming``; in the caller's transaction) and
    record the load; ``in_slice``: the earlier deliveries with rows in them (:func:`_rows_in_slice`)."""
    slice_values, units = _slice_values(typed, table)
    provenance = {"_source_file": file_name, "_file_hash": file_hash, "_loaded_at": now, "_contract_version": version}
    names = [p.name for p in table.properties] + PROVENANCE
    cols = ", ".join(f'"{c}"' for c in names)
    values = ", ".join("?" if c in provenance else f'"{c}"' for c in names)
    # A previous file is "replaced" once none of its rows remain. A delivery is its name and hash
    # (equal bytes under another name are another delivery), so count by both.
    gone = [
        (name, h)
        for name, h, removed, total in in_slice
        if total - removed + (typed.height if (name, h) == (file_name, file_hash) else 0) == 0
    ]
    if in_slice:
        con.execute(f"DELETE FROM raw.{table.name} t WHERE {_slice_condition(table)}")
    con.execute(
        f"INSERT INTO raw.{table.name} ({cols}) SELECT {values} FROM incoming ORDER BY {ROW}",
        [provenance[c] for c in names if c in provenance],
    )
    for old_name, old_hash in gone:
        con.execute(
            "UPDATE meta.file_loads SET status = 'replaced' WHERE source = ? AND table_name = ? "
            "AND file_name = ? AND file_hash = ? AND status = 'loaded'",
            [source, table.name, old_name, old_hash],
        )
    con.execute(
        f"INSERT INTO meta.file_loads ({FILE_LOADS_COLUMNS}) "
        "VALUES (?, ?, ?, ?, 'loaded', ?, ?, ?, ?, ?, NULL, NULL, ?, ?)",
        [
            source,
            table.name,
            file_name,
            file_hash,
            typed.height,
            json.dumps(slice_values, default=str),
            json.dumps(sorted({h for _, h, _, _ in in_slice})),
            version,
            now,
            "\n".join(n.message_nb for n in notes) if notes else None,
            None if units is None else json.dumps(units, default=str, ensure_ascii=False),
        ],
    )
