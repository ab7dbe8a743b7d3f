"""Replay rules: what a parsed replay is, whether it used the official mod, and how it fits a match.

Pure: plain frozen dataclasses and functions, no I/O. The file parser (``game/replay_parse.py``)
fills ``ParsedReplay``; the services call ``mod_verdict`` and ``verify`` and store the result.

The mod check (DESIGN section 6), as worked out from the real replays in ``../shared/replays``:

A replay lists the cache handles (depot URLs ``https://<region>-s2-depot.classic.blizzard.com/
<sha256>.s2ma``) of every file the game loaded, in load order: each file after the files it depends
on. The 24 SC: Evo replays (6 maps x EU/KR/NA, release 5.0.15) all look like this::

    [Blizzard's built-in mods]  [the mod's main chain]  [the map's dependencies, art mods]  [map]
     Core, Liberty, Swarm,       9 files (AM, EU) or     e.g. 7f41411a.., 658e520a..,       the map
     Void, the patch's mod       16 files (AS), ending   62a93c83.. (art)                   file,
                                 with the region's own                                      always
                                 top file                                                   last

- The map's own handle is the **last** handle: it is unique per map, identical on every depot
  (same content, same hash) and last in all 27 real replays, the standard ladder games included.
- The files **before** the mod's chain are what the mod itself is loaded on top of (Blizzard's
  Core/Liberty/Swarm/Void and the patch's multiplayer mod). They change with every StarCraft II
  patch, so they are recognised by position, not by a list that would go stale each patch. An
  unofficial mod cannot hide there: a copy that adds files depends on the official chain, so its
  own file loads **after** the chain (the "Fake" replays carry ``dbd21603..`` right after it).
- Between the chain and the map the game loads the map's other dependencies. From the handles
  alone a map's dependency is indistinguishable from a fake mod's extra file (same position, same
  depot), so those must be known: the art-mod handles of the mod data and ``map_handles`` (the
  map's own dependency handles from the game data, e.g. ``7f41411a..`` for Keres Passage SEL and
  Death Valley, ``658e520a..`` for Khione SEL, Radeon and Vermeer).

Hence the rule: a replay is official when one game region's **full** main handle set is present and
every other handle is (a) before the first main handle, (b) an art-mod handle, (c) one of the map's
known handles, or (d) the last handle (the map file). Anything else is "unexpected". Handles are
compared by their content hash, so a file is recognised whichever depot served it (the KR Sylphid
replay loads the EU/AM art mod ``6062b70f..`` from the KR depot).

How the verdict decides, when the map's dependencies are known and when they are not
-------------------------------------------------------------------------------------
A map's dependency handles are *known* when the game data lists them for the map (``[]`` is known:
Sylphid loads none) or an admin recorded one for it (``/admin match``, stored in the database and
audited; the service passes the packaged and the recorded handles together). They are *unknown*
(``map_handles=None``) for a map without either: no Official replay of it was read when the data
was derived (Celestial Enclave, Mothership, Ruby Rock and Holy World at the time of writing).

1. No region's full main set present: **not official** (critical), whatever the map.
2. Nothing unexpected: **official**, whatever the map.
3. Something unexpected and the map's dependencies are **known**: **not official** (critical).
   The rule is exact: a file that is none of the known ones is a foreign file.
4. Something unexpected, the map's dependencies are **unknown**, and every unexpected handle loads
   after the mod's whole chain (where a map's dependency loads): **mod unverified**. Such a file
   cannot be told from a dependency of the map, so the replay is neither called fake nor trusted:
   the mod check does not lock reporting (players report by hand), the replay never reports the
   result by itself, and it is flagged to admins, who can record the handle as the map's
   dependency; from then on case 3 applies to that map.
5. Something unexpected inside the mod's chain (between its first and last main handle): **not
   official**, even on a map with unknown dependencies: a map's files load after the mod, never
   inside it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

START_TOLERANCE = timedelta(minutes=10)
EXPECTED_PRIVACY = "Normal"
EXPECTED_SPEED = "Faster"
EXPECTED_DURATION = "Infinite"
EXPECTED_LOCKED_ALLIANCES = "Yes"

# The English of every checklist line (logs, stored rows); players read the same keys in the
# catalogs' ``[checks]`` section, in their language.
MESSAGES: dict[str, str] = {
    "two_players.ok": "Two players.",
    "two_players.fail": "The replay has {count} players; a ladder game has exactly 2.",
    "no_ai.ok": "No AI players.",
    "no_ai.fail": "The replay has AI players: {names}.",
    "races.ok": "Races match the match: {races}.",
    "races.fail": "Races in the replay ({found}) do not match the match ({expected}).",
    "map.ok": "Map: {map}.",
    "map.fail": "The replay was played on {found}, the match is on {expected}.",
    "start_time.ok": "Game started within {minutes} minutes of the match.",
    "start_time.fail": "The game started {delta} away from the match (at most {minutes} minutes).",
    "no_observers.ok": "No observers.",
    "no_observers.fail": "Observers were present: {names}.",
    "privacy.ok": "Game privacy: {value}.",
    "privacy.fail": "Game privacy was {value}; it should be {expected}.",
    "speed.ok": "Game speed: {value}.",
    "speed.fail": "Game speed was {value}; it should be {expected}.",
    "duration.ok": "Game duration: {value}.",
    "duration.fail": "Game duration was {value}; it should be {expected}.",
    "locked_alliances.ok": "Locked alliances: {value}.",
    "locked_alliances.fail": "Locked alliances was {value}; it should be {expected}.",
    "names.ok": "Player names are the players' ids.",
    "names.fail": "Player names in the replay ({found}) are not both players' ids, so the replay "
    "cannot report the result by itself.",
    "mod.ok": "Official SC: Evo Complete mod ({region}).",
    "mod.unexpected": "Not the official mod: the replay loaded {count} unknown file(s).",
    "mod.incomplete": "Not the official mod: {count} file(s) of the official mod are missing.",
    "mod.none": "The replay did not use the SC: Evo Complete mod.",
    "mod.unverified": "Mod not verified: the replay loaded {count} file(s) that may belong to this "
    "map; an admin will check it. Please report the result yourself.",
    "unknown": "unknown",
    "none": "none",
    "critical.locked": "A critical check failed, so this replay cannot report the result. "
    "Please ask an admin to review the match.",
}


def message(key: str, **fields: object) -> str:
    """The text for ``key`` with its fields filled in."""
    return MESSAGES[key].format(**fields)


class PlayerResult(StrEnum):
    WIN = "win"
    LOSS = "loss"
    TIE = "tie"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class ReplayPlayer:
    """One player slot of the game (humans and AI; observers are listed separately)."""

    name: str
    race: str | None  # the ladder's race code, None when the race is not one of the ladder's
    race_name: str  # the race as the replay wrote it (localized by the recording client)
    result: PlayerResult
    toon_handle: str  # e.g. "2-S2-1-5450450"; empty for AI
    is_ai: bool
    team: int | None = None


@dataclass(frozen=True, slots=True)
class LobbySettings:
    """The lobby options the ladder asks for; ``None`` when the replay does not say."""

    privacy: str | None
    speed: str | None
    duration: str | None
    locked_alliances: str | None


@dataclass(frozen=True, slots=True)
class ParsedReplay:
    """What the ladder needs from one replay file. Plain data: picklable, JSON-able, comparable."""

    hash: str  # blake2b hex of the file's bytes: identical uploads are accepted once
    size_bytes: int
    map_name: str
    players: tuple[ReplayPlayer, ...]
    observers: tuple[str, ...]
    start_time: datetime  # UTC, aware
    end_time: datetime  # UTC, aware
    duration_seconds: float  # real time
    release: str
    server_region: str  # battle.net region the game was played on, as the replay says ("eu")
    settings: LobbySettings
    cache_handles: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (stored with the replay row and printed by ``replay inspect``)."""
        return {
            "hash": self.hash,
            "size_bytes": self.size_bytes,
            "map_name": self.map_name,
            "players": [_player_dict(p) for p in self.players],
            "observers": list(self.observers),
            "start_time": self.start_time.isoformat(),
            "end_time": self.end_time.isoformat(),
            "duration_seconds": self.duration_seconds,
            "release": self.release,
            "server_region": self.server_region,
            "settings": {
                "privacy": self.settings.privacy,
                "speed": self.settings.speed,
                "duration": self.settings.duration,
                "locked_alliances": self.settings.locked_alliances,
            },
            "cache_handles": list(self.cache_handles),
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> ParsedReplay:
        """The inverse of ``to_dict``, for replays read back from the database."""
        settings = raw["settings"]
        return cls(
            hash=raw["hash"],
            size_bytes=int(raw["size_bytes"]),
            map_name=raw["map_name"],
            players=tuple(
                ReplayPlayer(
                    name=p["name"],
                    race=p["race"],
                    race_name=p["race_name"],
                    result=PlayerResult(p["result"]),
                    toon_handle=p["toon_handle"],
                    is_ai=bool(p["is_ai"]),
                    team=p.get("team"),
                )
                for p in raw["players"]
            ),
            observers=tuple(raw["observers"]),
            start_time=datetime.fromisoformat(raw["start_time"]),
            end_time=datetime.fromisoformat(raw["end_time"]),
            duration_seconds=float(raw["duration_seconds"]),
            release=raw["release"],
            server_region=raw["server_region"],
            settings=LobbySettings(
                privacy=settings["privacy"],
                speed=settings["speed"],
                duration=settings["duration"],
                locked_alliances=settings["locked_alliances"],
            ),
            cache_handles=tuple(raw["cache_handles"]),
        )


def _player_dict(p: ReplayPlayer) -> dict[str, Any]:
    return {
        "name": p.name,
        "race": p.race,
        "race_name": p.race_name,
        "result": p.result.value,
        "toon_handle": p.toon_handle,
        "is_ai": p.is_ai,
        "team": p.team,
    }


# ---------------------------------------------------------------------------------------------
# The mod verdict


class ModHandles(Protocol):
    """The part of the game data's ``Mod`` the verdict reads (``evoladder.game.models.Mod``)."""

    @property
    def handles(self) -> Mapping[str, frozenset[str]]: ...

    @property
    def artmod_handles(self) -> Mapping[str, frozenset[str]]: ...


@dataclass(frozen=True, slots=True)
class ModVerdict:
    """Whether a replay used the official mod.

    ``region`` is the game region whose full main handle set is present, or, when none is
    complete, the region with the most main handles present (``missing`` then lists the rest);
    ``None`` when the replay carries no handle of the mod at all.
    """

    official: bool
    region: str | None
    unexpected: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    # True only when ``unexpected`` handles could be the map's own dependencies because those are
    # unknown (case 4 of the module doc): not official, but not failed either.
    unverified: bool = False

    @property
    def passes(self) -> bool:
        """Whether the mod check lets reporting unlock: official, or unverified (not proven fake)."""
        return self.official or self.unverified

    def describe(self) -> str:
        key, fields = self.message_key()
        return message(key, **fields)

    def message_key(self) -> tuple[str, dict[str, Any]]:
        """The ``MESSAGES`` key that says what the verdict is, and its placeholders."""
        if self.official:
            return "mod.ok", {"region": self.region}
        if self.unverified:
            return "mod.unverified", {"count": len(self.unexpected)}
        if self.region is None:
            return "mod.none", {}
        if self.missing:
            return "mod.incomplete", {"count": len(self.missing)}
        return "mod.unexpected", {"count": len(self.unexpected)}

    def to_dict(self) -> dict[str, Any]:
        return {
            "official": self.official,
            "region": self.region,
            "unexpected": list(self.unexpected),
            "missing": list(self.missing),
            "unverified": self.unverified,
        }


def handle_hash(handle: str) -> str:
    """The content hash of a handle URL (``.../<hash>.s2ma`` -> ``<hash>``), or a bare hash."""
    name = handle.rstrip("/").rsplit("/", 1)[-1]
    return name.split(".", 1)[0].lower()


def mod_verdict(
    handles: Sequence[str], mod: ModHandles, map_handles: Collection[str] | None = ()
) -> ModVerdict:
    """The mod verdict for a replay's cache handles (in the replay's order); see the module doc.

    ``map_handles`` are the map's own dependency handles (URLs or bare hashes): the game data's
    and those admins recorded; ``None`` when the map's dependencies are unknown, which turns an
    unexpected handle after the mod's chain into "mod unverified" (case 4) instead of a failure.
    The map file itself needs no entry (it is the last handle).
    """
    hashes = [handle_hash(h) for h in handles]
    present = set(hashes)
    mains = {region: {handle_hash(h) for h in hs} for region, hs in mod.handles.items()}
    complete = [r for r in sorted(mains) if mains[r] and mains[r] <= present]
    if not complete:
        return _incomplete(hashes, mains, mod)
    art = {handle_hash(h) for hs in mod.artmod_handles.values() for h in hs}
    allowed = art | {handle_hash(h) for h in (map_handles or ())}
    verdicts = [_unexpected(handles, hashes, mains[r], allowed) for r in complete]
    best = min(range(len(complete)), key=lambda i: len(verdicts[i][0]) + len(verdicts[i][1]))
    inside, after = verdicts[best]
    unexpected = inside + after
    if not unexpected:
        return ModVerdict(official=True, region=complete[best])
    unverified = map_handles is None and not inside
    return ModVerdict(
        official=False, region=complete[best], unexpected=unexpected, unverified=unverified
    )


def _unexpected(
    handles: Sequence[str], hashes: Sequence[str], main: set[str], allowed: set[str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The unexpected handles inside the mod's chain, and those after it (before the map file)."""
    positions = [i for i, h in enumerate(hashes) if h in main]
    first_main, last_main = positions[0], positions[-1]
    last = len(hashes) - 1
    odd = [
        i
        for i, h in enumerate(hashes)
        if i > first_main and i != last and h not in main and h not in allowed
    ]
    return (
        tuple(handles[i] for i in odd if i < last_main),
        tuple(handles[i] for i in odd if i > last_main),
    )


def _incomplete(
    hashes: Sequence[str], mains: Mapping[str, set[str]], mod: ModHandles
) -> ModVerdict:
    present = set(hashes)
    counts = {r: len(m & present) for r, m in mains.items()}
    best = max(sorted(counts), key=lambda r: counts[r], default=None)
    if best is None or counts[best] == 0:
        return ModVerdict(official=False, region=None)
    missing = tuple(sorted(h for h in mod.handles[best] if handle_hash(h) not in present))
    return ModVerdict(official=False, region=best, missing=missing)


# ---------------------------------------------------------------------------------------------
# Verification against a match


@dataclass(frozen=True, slots=True)
class PlayerIds:
    """A ladder player's in-game names: the main id and up to two alternative ids."""

    main_id: str
    alt_ids: tuple[str, ...] = ()

    def matches(self, name: str) -> str | None:
        """The id that ``name`` is (compared without case or Unicode form), or ``None``."""
        key = _fold(name)
        return next((i for i in (self.main_id, *self.alt_ids) if i and _fold(i) == key), None)


@dataclass(frozen=True, slots=True)
class MatchFacts:
    """What the ladder knows about a match, to hold a replay against."""

    player_1_race: str
    player_2_race: str
    map_name: str
    start_time: datetime
    player_1_ids: PlayerIds
    player_2_ids: PlayerIds


class CheckId(StrEnum):
    TWO_PLAYERS = "two_players"
    NO_AI = "no_ai"
    RACES = "races"
    MAP = "map"
    START_TIME = "start_time"
    NO_OBSERVERS = "no_observers"
    PRIVACY = "privacy"
    SPEED = "speed"
    DURATION = "duration"
    LOCKED_ALLIANCES = "locked_alliances"
    NAMES = "names"
    MOD = "mod"


CRITICAL_CHECKS = frozenset({CheckId.RACES, CheckId.MAP, CheckId.MOD})


@dataclass(frozen=True, slots=True)
class Check:
    """One line of the checklist. A failed critical check locks reporting by replay."""

    id: CheckId
    passed: bool
    critical: bool
    message: str  # English, as logged and stored; players read ``key`` in their catalog
    key: str = ""  # the ``MESSAGES`` key, also the catalogs' key (section ``checks``)
    fields: Mapping[str, Any] = field(default_factory=dict)  # the key's placeholders

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id.value, "passed": self.passed, "critical": self.critical,
                "message": self.message, "key": self.key, "fields": dict(self.fields)}


class Checklist:
    """What a list of :class:`Check` says as a whole, for any class with a ``checks`` tuple."""

    __slots__ = ()

    checks: tuple[Check, ...]

    @property
    def critical_ok(self) -> bool:
        return all(c.passed for c in self.checks if c.critical)

    @property
    def warnings(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.critical and not c.passed)

    @property
    def failed_critical(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.critical and not c.passed)


@dataclass(frozen=True, slots=True)
class ReplayReport(Checklist):
    """The checklist of a replay against its match and what the replay says about the result.

    ``slot_players`` are the replay's players in the match's slots (player 1, player 2), assigned
    by race; ``slot_ids`` the id each one's name matched (``None``: the name is none of the
    player's ids). A name that is not the player's id is a warning, not a critical failure
    (players rename, and the result menu stays open), but such a replay never reports the result
    by itself: it could be anybody's game on the right map with the right races.
    ``outcome`` uses the match codes: 1 player 1 won, 2 player 2 won, 0 draw, None unknown.
    """

    checks: tuple[Check, ...]
    outcome: int | None
    slot_players: tuple[ReplayPlayer | None, ReplayPlayer | None]
    slot_ids: tuple[str | None, str | None]
    mod: ModVerdict

    def check(self, check_id: CheckId) -> Check:
        return next(c for c in self.checks if c.id is check_id)

    @property
    def names_match(self) -> bool:
        """Both slot players' names are their ladder ids (main or alternative, after NFKC)."""
        return all(i is not None for i in self.slot_ids)

    @property
    def names_unknown(self) -> bool:
        """Neither replay name is either player's id: an admin should look at this replay."""
        return not any(i is not None for i in self.slot_ids)

    @property
    def can_report(self) -> bool:
        """May this replay report the result for both players by itself?

        Every critical check passed, the game started near the match, a winner (or a draw) is
        known, the mod is verified (not merely unverified) and both names are the players' ids.
        """
        return (
            self.critical_ok
            and self.check(CheckId.START_TIME).passed
            and self.outcome is not None
            and not self.mod.unverified
            and self.names_match
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "checks": [c.to_dict() for c in self.checks],
            "outcome": self.outcome,
            "slot_names": [p.name if p else None for p in self.slot_players],
            "slot_ids": list(self.slot_ids),
            "critical_ok": self.critical_ok,
            "can_report": self.can_report,
            "mod_unverified": self.mod.unverified,
            "names_unknown": self.names_unknown,
            "mod": self.mod.to_dict(),
        }


def verify(replay: ParsedReplay, facts: MatchFacts, mod: ModVerdict) -> ReplayReport:
    """Hold ``replay`` against ``facts``: one check per rule, the slots and the outcome."""
    slots = assign_slots(replay.players, facts)
    ids = (
        facts.player_1_ids.matches(slots[0].name) if slots[0] else None,
        facts.player_2_ids.matches(slots[1].name) if slots[1] else None,
    )
    if slots == (None, None) and len(replay.players) == 2:
        ids = _ids_without_slots(replay.players, facts)
    checks = (
        _two_players(replay),
        _no_ai(replay),
        _races(replay, facts, slots),
        _map(replay, facts),
        _start_time(replay, facts),
        _no_observers(replay),
        _setting(CheckId.PRIVACY, replay.settings.privacy, EXPECTED_PRIVACY),
        _setting(CheckId.SPEED, replay.settings.speed, EXPECTED_SPEED),
        _setting(CheckId.DURATION, replay.settings.duration, EXPECTED_DURATION),
        _setting(CheckId.LOCKED_ALLIANCES, replay.settings.locked_alliances,
                 EXPECTED_LOCKED_ALLIANCES),
        _names(replay, ids),
        _mod(mod),
    )
    return ReplayReport(checks, outcome_of(slots), slots, ids, mod)


def _ids_without_slots(
    players: Sequence[ReplayPlayer], facts: MatchFacts
) -> tuple[str | None, str | None]:
    """Which ids the names are when the races did not place the players (for the names check)."""
    a, b = players
    straight = (facts.player_1_ids.matches(a.name), facts.player_2_ids.matches(b.name))
    crossed = (facts.player_1_ids.matches(b.name), facts.player_2_ids.matches(a.name))
    count = sum(i is not None for i in straight), sum(i is not None for i in crossed)
    return straight if count[0] >= count[1] else crossed


def _names(replay: ParsedReplay, ids: tuple[str | None, str | None]) -> Check:
    found = ", ".join(p.name for p in replay.players) or MESSAGES["none"]
    return _check(CheckId.NAMES, all(i is not None for i in ids), found=found)


def fits(replay: ParsedReplay, facts: MatchFacts) -> bool:
    """Whether ``replay`` shows this match: its races, its map and a start within the tolerance.

    Used to find which of a player's recent matches a replay belongs to (a replay uploaded after
    the player's next match was found still counts for the match it shows).
    """
    return (
        len(replay.players) == 2
        and _races_match(replay.players, facts)
        and _nfc(replay.map_name) == _nfc(facts.map_name)
        and abs(_utc(replay.start_time) - _utc(facts.start_time)) <= START_TOLERANCE
    )


def assign_slots(
    players: Sequence[ReplayPlayer], facts: MatchFacts
) -> tuple[ReplayPlayer | None, ReplayPlayer | None]:
    """Which replay player had match slot 1 and which slot 2.

    By race first (this ladder always pairs a BW race with an SC2 race, so the races tell the
    slots apart whoever hosted); for a mirror match by the players' ids; otherwise unknown.
    """
    if len(players) != 2 or not _races_match(players, facts):
        return (None, None)
    a, b = players
    if facts.player_1_race != facts.player_2_race:
        return (a, b) if a.race == facts.player_1_race else (b, a)
    if facts.player_1_ids.matches(a.name) or facts.player_2_ids.matches(b.name):
        return (a, b)
    if facts.player_1_ids.matches(b.name) or facts.player_2_ids.matches(a.name):
        return (b, a)
    return (None, None)


def outcome_of(slots: tuple[ReplayPlayer | None, ReplayPlayer | None]) -> int | None:
    """The match outcome code from the two slot players' results (None when not decided)."""
    one, two = slots
    if one is None or two is None:
        return None
    results = (one.result, two.result)
    if results == (PlayerResult.WIN, PlayerResult.LOSS):
        return 1
    if results == (PlayerResult.LOSS, PlayerResult.WIN):
        return 2
    if results == (PlayerResult.TIE, PlayerResult.TIE):
        return 0
    return None


def _races_match(players: Sequence[ReplayPlayer], facts: MatchFacts) -> bool:
    found = sorted(p.race or "" for p in players)
    return found == sorted((facts.player_1_race, facts.player_2_race))


def _check(check_id: CheckId, passed: bool, **fields: object) -> Check:
    key = f"{check_id.value}.{'ok' if passed else 'fail'}"
    return Check(check_id, passed, check_id in CRITICAL_CHECKS, message(key, **fields), key, fields)


def _two_players(replay: ParsedReplay) -> Check:
    return _check(CheckId.TWO_PLAYERS, len(replay.players) == 2, count=len(replay.players))


def _no_ai(replay: ParsedReplay) -> Check:
    ai = [p.name for p in replay.players if p.is_ai]
    return _check(CheckId.NO_AI, not ai, names=", ".join(ai))


def _races(
    replay: ParsedReplay, facts: MatchFacts, slots: tuple[ReplayPlayer | None, ...]
) -> Check:
    expected = f"{facts.player_1_race} vs {facts.player_2_race}"
    found = ", ".join(p.race or p.race_name or MESSAGES["unknown"] for p in replay.players)
    passed = len(replay.players) == 2 and _races_match(replay.players, facts)
    return _check(CheckId.RACES, passed, races=expected, found=found or MESSAGES["none"],
                  expected=expected)


def _map(replay: ParsedReplay, facts: MatchFacts) -> Check:
    passed = _nfc(replay.map_name) == _nfc(facts.map_name)
    return _check(CheckId.MAP, passed, map=replay.map_name, found=replay.map_name,
                  expected=facts.map_name)


def _start_time(replay: ParsedReplay, facts: MatchFacts) -> Check:
    delta = abs(_utc(replay.start_time) - _utc(facts.start_time))
    minutes = int(START_TOLERANCE.total_seconds() // 60)
    return _check(CheckId.START_TIME, delta <= START_TOLERANCE, minutes=minutes,
                  delta=_format_delta(delta))


def _no_observers(replay: ParsedReplay) -> Check:
    return _check(CheckId.NO_OBSERVERS, not replay.observers, names=", ".join(replay.observers))


def _setting(check_id: CheckId, value: str | None, expected: str) -> Check:
    return _check(check_id, value == expected, value=value or MESSAGES["unknown"],
                  expected=expected)


def _mod(verdict: ModVerdict) -> Check:
    key, fields = verdict.message_key()
    return Check(CheckId.MOD, verdict.passes, True, verdict.describe(), key, fields)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _format_delta(delta: timedelta) -> str:
    minutes, seconds = divmod(int(delta.total_seconds()), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {seconds:02d}s"


def _nfc(text: str) -> str:
    # The same name may arrive composed or decomposed (Hangul); that is not a different map.
    return unicodedata.normalize("NFC", text)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def account_handles(
    parsed: ParsedReplay, player_1: int, race_1: str, player_2: int, race_2: str
) -> list[tuple[int, str]]:
    """(discord uid, toon handle) of each human in the replay, told apart by race (a ladder
    match always has one BW and one SC2 race, so the races name the players); AI, players of
    neither race, and both players of a mirror match (the races cannot tell them apart, and a
    wrong link is worse than none) are left out."""
    if race_1 == race_2:
        return []
    out = []
    for p in parsed.players:
        if p.is_ai or not p.toon_handle:
            continue
        if p.race == race_1:
            out.append((player_1, p.toon_handle))
        elif p.race == race_2:
            out.append((player_2, p.toon_handle))
    return out
