"""The ``evoladder`` command: run the bot, run the sandbox, manage the database, inspect replays."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from evoladder.game import GameDataError, load_game_data
from evoladder.settings import Settings, SettingsError, load_settings


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
    ix = db.add_parser("indexes", help="list the expected indexes and which are present")
    ix.add_argument("--create", action="store_true", help="create the missing indexes")
    gd = sub.add_parser("gamedata", help="game data tools").add_subparsers(dest="gd_command", required=True)
    gd.add_parser("check", help="load and validate the configured game data")
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
    if args.command == "run":
        from evoladder.app import run_production

        return asyncio.run(run_production(settings))
    if args.command == "sandbox":
        from evoladder.app import run_sandbox

        return asyncio.run(
            run_sandbox(settings, args.players, args.minutes, args.database, args.allow_postgres)
        )
    raise AssertionError(args.command)


def _db(args: argparse.Namespace, settings: Settings) -> int:
    from evoladder.store.migrations import current_revision, head_revision, upgrade

    url = settings.database_url
    if args.db_command == "upgrade":
        upgrade(url)
        revision = current_revision(url)
        print(f"database {settings.database_url_safe} is at revision {revision} (head {head_revision()})")
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
