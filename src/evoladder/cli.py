"""The ``evoladder`` command: run the bot, run the sandbox, manage the database, inspect replays."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from evoladder.game import GameDataError, load_game_data
from evoladder.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from evoladder.services.peer_import import ImportReport


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="evoladder", description="Ranked 1v1 ladder bot for SC: Evo Complete")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="connect to Discord and run the ladder (needs DISCORD_TOKEN)")
    sb = sub.add_parser("sandbox", help="run the local Discord server, the bot and virtual players")
    sb.add_argument("--players", type=int, default=None, help="virtual players (default: setting)")
    sb.add_argument("--minutes", type=float, default=None, help="stop after this many minutes")
    sb.add_argument("--database", default=None, help="SQLite URL for the sandbox (default: a temporary file)")
    sb.add_argument("--allow-postgres", action="store_true", help="accept a PostgreSQL --database")
    db = sub.add_parser("db", help="database maintenance").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="migrate the database to the newest schema (safe to repeat)")
    db.add_parser("current", help="print the database's schema revision")
    rev = db.add_parser("revision", help="write the next migration from schema.py (Alembic autogenerate)")
    rev.add_argument("-m", "--message", required=True, help="what it does, e.g. 'players: nickname'")
    ix = db.add_parser("indexes", help="list the expected indexes and which are present")
    ix.add_argument("--create", action="store_true", help="create the missing indexes")
    gd = sub.add_parser("gamedata", help="game data tools").add_subparsers(dest="gd_command", required=True)
    gd.add_parser("check", help="load and validate the configured game data")
    im = sub.add_parser("import", help="bring a community's data over from another ladder bot")
    peers = im.add_subparsers(dest="import_from", required=True)
    elb = peers.add_parser(
        "evoladderbot",
        help="import an EvoLadderBot database into the configured one (safe to repeat)",
        description="Players, action logs, command calls, ratings, matches, preferences, replay "
        "records (and files, given --replays-dir) and rating history. A second run over the same "
        "source changes nothing.",
    )
    elb.add_argument("source", help="the peer's SQLite file, or its PostgreSQL URL")
    elb.add_argument("--replays-dir", type=Path, default=None,
                     help="folder holding the peer's replay files under their replay_path")
    rp = sub.add_parser("replay", help="replay tools").add_subparsers(dest="replay_command", required=True)
    ins = rp.add_parser("inspect", help="parse replays and print their fields and mod verdict")
    ins.add_argument("files", nargs="+")
    ins.add_argument("--json", action="store_true", help="one JSON document per file")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
        return _dispatch(args, settings)
    except (SettingsError, GameDataError) as exc:
        print(f"evoladder: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "db":
        return _db(args, settings)
    if args.command == "gamedata":
        data = load_game_data(settings.game_data_dir)
        print(
            f"game data ok: {len(data.races)} races, {len(data.season.maps)} maps in "
            f"{data.current_season}, {len(data.regions)} regions, {len(data.servers)} servers, "
            f"{len(data.countries)} countries"
        )
        return 0
    if args.command == "replay":
        from evoladder.game.replay_inspect import inspect  # type: ignore[import-not-found,unused-ignore]

        return int(inspect(list(args.files), bool(args.json), sys.stdout))
    if args.command == "import":
        return _import(args, settings)
    if args.command == "run":
        from evoladder.app import run_production

        return asyncio.run(run_production(settings))
    if args.command == "sandbox":
        from evoladder.sandbox.ladder import run_sandbox

        return asyncio.run(
            run_sandbox(settings, args.players, args.minutes, args.database, args.allow_postgres)
        )
    raise AssertionError(args.command)


def _db(args: argparse.Namespace, settings: Settings) -> int:
    from evoladder.store.migrations import current_revision, head_revision, revision, upgrade

    url = settings.database_url
    if args.db_command == "revision":
        path = revision(args.message)
        print(f"wrote {path}: read it (autogenerate misses renames and data), then run the tests")
        return 0
    if args.db_command == "upgrade":
        upgrade(url)
        at = current_revision(url)
        print(f"database {settings.database_url_safe} is at revision {at} (head {head_revision()})")
        return 0
    if args.db_command == "current":
        print(current_revision(url) or "(empty database)")
        return 0
    return asyncio.run(_indexes(settings, bool(args.create)))


async def _indexes(settings: Settings, create: bool) -> int:
    from evoladder.store.engine import create_engine
    from evoladder.store.indexes import create_missing, index_report

    engine = create_engine(settings.database_url)
    try:
        if create:
            for name in await create_missing(engine):
                print(f"created {name}")
        report = await index_report(engine)
    finally:
        await engine.dispose()
    for s in report:
        state = "present" if s.present else ("MISSING TABLE" if not s.table_present else "MISSING")
        print(f"{state:<13} {s.table:<20} {s.name:<44} ({s.columns}){' unique' if s.unique else ''}")
    missing = sum(not s.present for s in report)
    print(
        f"{len(report) - missing} of {len(report)} indexes present"
        + ("; run `evoladder db upgrade` (or `db indexes --create`)" if missing else "")
    )
    return 1 if missing else 0


def _import(args: argparse.Namespace, settings: Settings) -> int:
    """``evoladder import evoladderbot SOURCE``: progress while it runs, then the report."""
    from evoladder.app import SchemaOutOfDate, run_import
    from evoladder.store.peer_source import PeerSourceError

    print(f"evoladder import: from EvoLadderBot {args.source} into {settings.database_url_safe}", flush=True)
    started = time.monotonic()
    try:
        report = asyncio.run(run_import(settings, args.source, args.replays_dir, _Progress(started)))
    except (SchemaOutOfDate, PeerSourceError, FileNotFoundError) as exc:
        print(f"evoladder import: {exc}", file=sys.stderr)
        return 2
    for line in import_report_lines(report, time.monotonic() - started):
        print(line)
    return 0


class _Progress:
    """One line when a step starts, then one per tenth of it (at most one every half second)."""

    def __init__(self, started: float) -> None:
        self.started = started
        self.step = ""
        self.shown = -1
        self.at = 0.0

    def __call__(self, step: str, done: int, total: int) -> None:
        tenth = done * 10 // total if total else 10
        now = time.monotonic()
        if step == self.step and (tenth == self.shown or (now - self.at < 0.5 and done < total)):
            return
        self.step, self.shown, self.at = step, tenth, now
        share = f" ({100 * done // total}%)" if total else ""
        print(f"  {step}: {done:,} of {total:,}{share}  [{now - self.started:.1f} s]", flush=True)


def import_report_lines(report: ImportReport, seconds: float) -> list[str]:
    """The import's report as printed: per step, what was read, written, already there and
    left out; then what could not be mapped, with counts and examples; then the notices."""
    lines = [f"import from {report.source}: {seconds:.1f} s"]
    for s in report.steps:
        parts = [f"{s.read:,} read", f"{s.written:,} written"]
        if s.already:
            parts.append(f"{s.already:,} already here")
        if s.left_out:
            parts.append(f"{s.left_out:,} left out")
        if s.earlier:
            parts.append(f"{s.earlier:,} brought by an earlier run")
        lines.append(f"  {s.name:<20} " + ", ".join(parts))
    if report.state_fixes:
        lines.append("player states made consistent:")
        lines += [f"  {n:,} {why}" for why, n in sorted(report.state_fixes.items())]
    if report.issues.counts:
        lines.append(f"could not map ({report.issues.total():,} values, the import went on):")
        for key, n in sorted(report.issues.counts.items()):
            examples = report.issues.examples.get(key)
            lines.append(f"  {n:>9,}  {key}" + (f"  e.g. {', '.join(examples)}" if examples else ""))
    lines += [f"note: {n}" for n in report.notices]
    lines.append(
        f"done: {report.written:,} rows written" if report.changed
        else "nothing to do: everything in the source was already imported (nothing changed)"
    )
    return lines
