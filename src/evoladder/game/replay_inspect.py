"""``evoladder replay inspect FILE... [--json]``: what the ladder reads from replay files.

For the operator: per file, the parsed fields, the mod verdict (official or not, the region, the
unexpected handles, the main handles missing; the map's own dependency handles come from the game
data, the map looked up by the replay's map name in every season) and any parse error. Files go
through the same worker pool as uploads (same time and memory limits), so a hostile file cannot
hang the command.
A directory argument stands for the ``*.SC2Replay`` files under it. ``--json`` prints one JSON
document per line and file. The exit code is 0 when every file parsed, 1 otherwise.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from evoladder.domain.replays import ModVerdict, ParsedReplay, ReplayPlayer, mod_verdict
from evoladder.game.loader import load_game_data
from evoladder.game.models import GameData
from evoladder.game.replay_parse import ParseFailure, ParseFailureKind, RaceLookup
from evoladder.game.replay_pool import ReplayPool
from evoladder.settings import Settings, load_settings


@dataclass(frozen=True, slots=True)
class FileReport:
    path: str
    parsed: ParsedReplay | None
    failure: ParseFailure | None
    verdict: ModVerdict | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "parsed": self.parsed.to_dict() if self.parsed else None,
            "error": _failure_dict(self.failure) if self.failure else None,
            "mod": self.verdict.to_dict() if self.verdict else None,
        }


def inspect(
    paths: list[str],
    as_json: bool,
    out: TextIO,
    *,
    game_data: GameData | None = None,
    settings: Settings | None = None,
) -> int:
    """Print what each replay holds; 0 when every file parsed, else 1."""
    settings = settings or load_settings()
    data = game_data or load_game_data(settings.game_data_dir)
    reports = asyncio.run(_inspect_all(_expand(paths), data, settings))
    for report in reports:
        if as_json:
            out.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
        else:
            out.write(_text(report, data))
    if not reports:
        out.write("no replay files given\n")
    return 0 if reports and all(r.parsed for r in reports) else 1


def _expand(paths: Iterable[str]) -> list[str]:
    files: list[str] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(str(p) for p in sorted(path.rglob("*")) if _is_replay_name(p))
        else:
            files.append(raw)
    return files


def _is_replay_name(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".sc2replay"


async def _inspect_all(paths: list[str], data: GameData, settings: Settings) -> list[FileReport]:
    pool = ReplayPool(
        RaceLookup(data.races.values()),
        workers=min(settings.replay_workers, max(1, len(paths))),
        timeout_seconds=settings.replay_parse_timeout_seconds,
        memory_mb=settings.replay_parse_memory_mb,
    )
    async with pool:
        return list(await asyncio.gather(*(_inspect_one(pool, p, data) for p in paths)))


async def _inspect_one(pool: ReplayPool, path: str, data: GameData) -> FileReport:
    try:
        content = await asyncio.to_thread(Path(path).read_bytes)
    except OSError as exc:
        failure = ParseFailure(ParseFailureKind.UNAVAILABLE, f"cannot read the file: {exc}")
        return FileReport(path, None, failure, None)
    outcome = await pool.parse(content)
    if isinstance(outcome, ParseFailure):
        return FileReport(path, None, outcome, None)
    return FileReport(path, outcome, None, replay_mod_verdict(outcome, data))


def replay_mod_verdict(
    parsed: ParsedReplay, data: GameData, recorded: Collection[str] = ()
) -> ModVerdict:
    """The mod verdict, with the dependency handles of the replay's map (looked up in every season).

    ``recorded`` are the handles admins recorded as this map's dependencies (database). The map's
    dependencies are known when the game data lists them or an admin recorded one; a map the data
    does not list at all allows none (its map check fails anyway).
    """
    return mod_verdict(parsed.cache_handles, data.mod, map_dependencies(data, parsed.map_name, recorded))


def map_dependencies(
    data: GameData, map_name: str, recorded: Collection[str] = ()
) -> frozenset[str] | None:
    """A map's known dependency handles (packaged and recorded), or ``None`` when unknown."""
    info = data.map_named(map_name)
    packaged = info.dependency_handles if info is not None else frozenset()
    if packaged is None and not recorded:
        return None
    return frozenset(packaged or ()) | frozenset(recorded)


def _failure_dict(failure: ParseFailure) -> dict[str, str]:
    return {"kind": failure.kind.value, "message": failure.message, "detail": failure.detail}


def _text(report: FileReport, data: GameData) -> str:
    lines = [report.path]
    if report.failure is not None:
        lines.append(f"  error      {report.failure.kind.value}: {report.failure.message}")
        if report.failure.detail:
            lines.append(f"             {report.failure.detail}")
        return "\n".join(lines) + "\n\n"
    parsed, verdict = report.parsed, report.verdict
    assert parsed is not None and verdict is not None
    in_pool = "in the current pool" if data.season.map_named(parsed.map_name) else "NOT in the current pool"
    lines.append(f"  map        {parsed.map_name} ({in_pool})")
    lines.extend(_players(parsed.players))
    lines.append(f"  observers  {', '.join(parsed.observers) or 'none'}")
    lines.append(
        f"  time       {parsed.start_time:%Y-%m-%d %H:%M:%S} UTC to {parsed.end_time:%H:%M:%S} UTC, "
        f"{_duration(parsed.duration_seconds)}"
    )
    lines.append(f"  release    {parsed.release}, server region {parsed.server_region or '?'}")
    s = parsed.settings
    lines.append(
        f"  lobby      privacy {s.privacy}, speed {s.speed}, duration {s.duration}, "
        f"locked alliances {s.locked_alliances}"
    )
    lines.append(f"  handles    {len(parsed.cache_handles)}")
    lines.extend(_verdict(verdict))
    lines.append(f"  hash       {parsed.hash}")
    return "\n".join(lines) + "\n\n"


def _players(players: tuple[ReplayPlayer, ...]) -> list[str]:
    if not players:
        return ["  players    none"]
    rows = []
    for i, p in enumerate(players, 1):
        label = "players" if i == 1 else ""
        race = f"{p.race_name} -> {p.race or 'not a ladder race'}"
        who = "AI" if p.is_ai else p.toon_handle
        rows.append(f"  {label:<10} {i}. {p.name}  {race}  {p.result.value}  {who}")
    return rows


def _verdict(verdict: ModVerdict) -> list[str]:
    if verdict.official:
        return [f"  mod        official, region {verdict.region}"]
    region = f" (closest region {verdict.region})" if verdict.region else ""
    if verdict.unverified:
        rows = [f"  mod        UNVERIFIED, region {verdict.region}. {verdict.describe()}"]
    else:
        rows = [f"  mod        NOT official{region}. {verdict.describe()}"]
    rows.extend(f"             unexpected {h}" for h in verdict.unexpected)
    rows.extend(f"             missing    {h}" for h in verdict.missing)
    return rows


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m {secs:02d}s"
