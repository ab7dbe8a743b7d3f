"""Parse ``.SC2Replay`` bytes into a ``ParsedReplay`` with sc2reader, never raising.

This runs inside the replay pool's worker processes (``replay_pool.py``), never on the event loop.
Uploaded files are untrusted: sc2reader raises whatever the damaged bytes provoke (MPQError,
TypeError, UnicodeDecodeError, KeyError, struct.error, IndexError, ValueError, ...), so the
boundary catches every ``Exception`` and answers with a typed ``ParseFailure`` whose message can be
shown to the player; the exception's type and text go to the ``detail`` for the logs.

Load level 2 (details, init data, attribute events) holds everything the checks need; the event
streams (levels 3 and 4) are where most of a file's parsing time and memory go, so they are skipped.

Text from the file is untrusted too: every string taken from a replay (map, player and observer
names, races, release, region, lobby settings, cache handles) goes through ``clean_text``, which
drops NUL and the other control characters (and lone surrogates). PostgreSQL refuses a NUL in text
and JSON ("invalid byte sequence 0x00"), and control characters have no business in a name shown
to players; a name made of nothing else becomes empty.

Memory: sc2reader wraps whatever goes wrong while it opens the archive, a ``MemoryError`` included,
in its own ``MPQError``; a file that exhausts the worker's memory limit would then read as
"damaged" and its worker, whose heap is suspect, would be kept. ``parse_replay`` looks through the
exception's chain (and zlib's "insufficient memory") and answers ``MEMORY``: "too large to check",
and the pool replaces the worker.

Races: the replay writes the race as the recording client's language shows it: "BW Zerg" for the
mod's Brood War races, "Zerg" for a standard SC2 race, "스1 저그" or "저그" from a Korean client.
``RaceLookup`` maps all of these to the ladder's race codes from the game data (name, short name,
code, localized aliases, and for the SC2 races the unmodded game's bare name, "Zerg").
"""

from __future__ import annotations

import hashlib
import io
import logging
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from evoladder.domain.replays import (
    LobbySettings,
    ParsedReplay,
    PlayerResult,
    ReplayPlayer,
)
from evoladder.game.models import Game, Race

__all__ = [
    "FAILURE_MESSAGES",
    "LobbySettings",
    "ParseFailure",
    "ParseFailureKind",
    "ParseOutcome",
    "ParseTarget",
    "ParsedReplay",
    "PlayerResult",
    "RaceLookup",
    "ReplayPlayer",
    "clean_text",
    "looks_like_replay",
    "out_of_memory",
    "parse_replay",
    "replay_hash",
]

log = logging.getLogger(__name__)

MPQ_MAGIC = b"MPQ\x1b"  # an SC2Replay is an MPQ archive that starts with a user-data header
LOAD_LEVEL = 2


class ParseFailureKind(StrEnum):
    EMPTY = "empty"
    NOT_A_REPLAY = "not_a_replay"
    CORRUPT = "corrupt"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    CRASHED = "crashed"
    UNAVAILABLE = "unavailable"


# The English text of each kind (logs, the replay tool); players read the catalogs' REPLAY_UNREADABLE_*.
FAILURE_MESSAGES: dict[ParseFailureKind, str] = {
    ParseFailureKind.EMPTY: "The file is empty.",
    ParseFailureKind.NOT_A_REPLAY: "This is not a StarCraft II replay (.SC2Replay) file.",
    ParseFailureKind.CORRUPT: "The replay is damaged or incomplete and could not be read. "
    "Please upload the file StarCraft II saved, unchanged.",
    ParseFailureKind.TIMEOUT: "Reading the replay took too long and was stopped. "
    "Please check the file, or ask an admin.",
    ParseFailureKind.MEMORY: "This replay is too large to check: reading it needed more memory "
    "than the ladder allows. Please upload the file StarCraft II saved, unchanged, or ask an admin.",
    ParseFailureKind.CRASHED: "The replay reader stopped on this file. "
    "Please check the file, or ask an admin.",
    ParseFailureKind.UNAVAILABLE: "Replays cannot be read right now. Please try again shortly.",
}


@dataclass(frozen=True, slots=True)
class ParseFailure:
    """A file that could not be parsed. ``message`` is for the player, ``detail`` for the logs."""

    kind: ParseFailureKind
    detail: str = ""

    @property
    def message(self) -> str:
        return FAILURE_MESSAGES[self.kind]


ParseOutcome = ParsedReplay | ParseFailure


class RaceLookup:
    """Race names as replays write them -> ladder race codes. Picklable (sent to the workers)."""

    def __init__(self, races: Iterable[Race]) -> None:
        table: dict[str, str] = {}
        ambiguous: set[str] = set()
        for race in races:
            for name in _race_names(race):
                key = _fold(name)
                if table.get(key, race.code) != race.code:
                    ambiguous.add(key)
                table.setdefault(key, race.code)
        self._table = {k: v for k, v in table.items() if k not in ambiguous}

    def resolve(self, name: str) -> str | None:
        return self._table.get(_fold(name))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RaceLookup) and other._table == self._table

    def __hash__(self) -> int:
        return hash(frozenset(self._table.items()))


def _race_names(race: Race) -> Iterable[str]:
    yield race.code
    yield race.name
    yield race.short_name
    yield from race.aliases
    if race.game is Game.SC2 and " " in race.name:
        # "SC2 Zerg" -> "Zerg": the unmodded game's own name for its race.
        yield race.name.split(" ", 1)[1]


ParseTarget = Callable[[bytes, RaceLookup], ParseOutcome]


def replay_hash(data: bytes) -> str:
    """The blake2b hex digest (128 characters) that identifies a file's bytes."""
    return hashlib.blake2b(data).hexdigest()


def looks_like_replay(data: bytes) -> bool:
    """A cheap magic check before anything is parsed (the upload flow uses it too)."""
    return data.startswith(MPQ_MAGIC)


def parse_replay(data: bytes, races: RaceLookup) -> ParseOutcome:
    """Parse one file; every failure is returned as a ``ParseFailure``, nothing is raised."""
    if not data:
        return ParseFailure(ParseFailureKind.EMPTY)
    if not looks_like_replay(data):
        return ParseFailure(ParseFailureKind.NOT_A_REPLAY, "no MPQ user-data header")
    try:
        replay = _load(data)
        return _extract(replay, data, races)
    except MemoryError:
        return ParseFailure(ParseFailureKind.MEMORY, "MemoryError")
    except RecursionError as exc:
        return ParseFailure(ParseFailureKind.CORRUPT, f"RecursionError: {exc}"[:500])
    except Exception as exc:  # untrusted input: every sc2reader failure becomes a typed answer
        detail = f"{type(exc).__name__}: {exc}"[:500]
        if out_of_memory(exc):
            return ParseFailure(ParseFailureKind.MEMORY, detail)
        return ParseFailure(ParseFailureKind.CORRUPT, detail)


_MEMORY_WORDS = ("insufficient memory", "out of memory", "cannot allocate memory")


def out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` or anything in its chain is a memory exhaustion (see the module doc).

    sc2reader wraps a ``MemoryError`` in ``MPQError`` (its ``__context__``, also passed as an
    argument); zlib reports its own allocation failures as ``zlib.error`` "insufficient memory".
    """
    seen: set[int] = set()
    todo: list[object] = [exc]
    while todo:
        item = todo.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, MemoryError):
            return True
        if any(word in str(item).lower() for word in _MEMORY_WORDS):
            return True
        todo.extend((item.__cause__, item.__context__, *item.args))
    return False


def _load(data: bytes) -> Any:
    import sc2reader  # imported in the worker (preloaded by the pool), not by the domain

    return sc2reader.load_replay(io.BytesIO(data), load_level=LOAD_LEVEL)


def _extract(replay: Any, data: bytes, races: RaceLookup) -> ParsedReplay:
    end = _aware(replay.end_time)
    duration = float(replay.real_length.total_seconds())
    return ParsedReplay(
        hash=replay_hash(data),
        size_bytes=len(data),
        map_name=_text(replay.map_name),
        players=tuple(_player(p, races) for p in sorted(replay.players, key=_pid)),
        observers=tuple(_text(o.name) for o in replay.observers),
        start_time=_aware(replay.start_time) if replay.start_time else end - timedelta(seconds=duration),
        end_time=end,
        duration_seconds=duration,
        release=_text(replay.release_string),
        server_region=_text(getattr(replay, "region", "")),
        settings=_settings(replay.attributes.get(16, {})),
        cache_handles=_handles(replay.raw_data),
    )


def _player(player: Any, races: RaceLookup) -> ReplayPlayer:
    race_name = _text(getattr(player, "play_race", "") or "")
    return ReplayPlayer(
        name=_text(player.name),
        race=races.resolve(race_name) if race_name else None,
        race_name=race_name,
        result=_result(getattr(player, "result", None)),
        toon_handle=_text(getattr(player, "toon_handle", "") or ""),
        is_ai=not bool(getattr(player, "is_human", False)),
        team=getattr(player, "team_id", None),
    )


def _pid(player: Any) -> int:
    pid = getattr(player, "pid", 0)
    return pid if isinstance(pid, int) else 0


_RESULTS = {"Win": PlayerResult.WIN, "Loss": PlayerResult.LOSS, "Tie": PlayerResult.TIE}


def _result(value: object) -> PlayerResult:
    return _RESULTS.get(value, PlayerResult.UNKNOWN) if isinstance(value, str) else PlayerResult.UNKNOWN


def _settings(attributes: Mapping[str, Any]) -> LobbySettings:
    def get(name: str) -> str | None:
        value = attributes.get(name)
        return _text(value) if value is not None else None

    return LobbySettings(
        privacy=get("Game Privacy"),
        speed=get("Game Speed"),
        duration=get("Game Duration"),
        locked_alliances=get("Locked Alliances"),
    )


def _handles(raw: Mapping[str, Any]) -> tuple[str, ...]:
    # details and initData carry the same list in every real replay; details is read first.
    details = raw.get("replay.details") or {}
    handles = details.get("cache_handles")
    if not handles:
        init = raw.get("replay.initData") or {}
        handles = (init.get("game_description") or {}).get("cache_handles") or []
    return tuple(_text(h) for h in handles)


def _aware(moment: datetime) -> datetime:
    if not isinstance(moment, datetime):
        raise TypeError(f"replay time is {type(moment).__name__}, not datetime")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _text(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    return clean_text("" if value is None else str(value))


# Control characters (C0, DEL, C1; NUL among them) and lone surrogates: never in a stored text.
_UNSTORABLE = frozenset({"Cc", "Cs"})


def clean_text(value: str) -> str:
    """``value`` without NUL, other control characters and lone surrogates (see the module doc).

    Everything else is kept as the replay has it (names in any script, map names in Korean).
    """
    if value.isprintable():  # the common case: nothing to strip, no per-character walk
        return value
    return "".join(ch for ch in value if unicodedata.category(ch) not in _UNSTORABLE)


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())
