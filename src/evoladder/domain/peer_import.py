"""The rules that turn EvoLadderBot's rows into evoladder's (DESIGN section 11).

EvoLadderBot ("the peer") is the ladder the SC: Evo Complete community ran before; its schema and
the traps of its data are in ``shared/peer-schema.md``. This module is pure: it takes the peer's
rows as tuples (``Peer*`` named tuples, in the order the store adapter reads them) and gives
evoladder's rows (``New*`` named tuples whose field names are the target table's columns), or
``None`` for a row that cannot be mapped. What could not be mapped is counted in ``Issues``
instead of failing the import: an operator moving a community wants the whole ladder over and a
list of what was odd, not a traceback on row 700,000.

Decisions (the operator reads them in the importer's report; the why is here):

* **Ratings are taken as they are.** ``mmrs_1v1`` is the truth: the peer reset ratings to the
  match snapshot on an admin re-resolution, so replaying the matches does not reproduce them.
  The ``games_*`` counters are kept as they are too (they may drift from the matches; /profile
  shows the record from the matches, and the counters beside it).
* **Open matches are closed.** A match still open when the export was taken (``match_result``
  NULL) is imported as abandoned: no rating moves, nobody is charged an abort, and reports not
  given become -1 (not at fault). Bringing it over open would leave both players "in a match"
  they never saw in evoladder, with no buttons to confirm or report (DESIGN section 10), and the
  game, if played, was played under the old bot.
* **Every imported player is idle.** The peer kept its queue in memory, so a "queueing" player
  has no queue entry to bring; an "in_match" player's match is closed as above (or was already
  over). The importer counts each case.
* **Aborts follow evoladder's monthly rule.** The peer never reset ``remaining_aborts`` monthly,
  so that number can be months stale. An imported player's aborts left for the current UTC
  month are 3 minus the aborts they made this month according to the peer's matches (report -3).
* **A -1 match's kind** (evoladder keeps aborted, abandoned and invalidated apart): resolved by
  an admin (``updated_at`` set) is invalidated; a -3 report means aborted; otherwise abandoned.
* **Maps and servers outside the game data are kept** under the peer's name (the match and its
  result are real) and counted; an unknown **race** drops the row (a rating or match of a race
  the ladder does not have cannot be shown or rated), counted.
* **Broken timestamps**: a row whose defining time is broken (a match's ``played_at``, a log's
  ``changed_at``, a call's ``called_at``) is dropped and counted; an optional time that is broken
  becomes empty, counted; a player's broken ``created_at`` falls back to ``updated_at``, then to
  the import's time, counted. Years before 2000 count as broken (epoch zero and the like).
* **Replays** come over as records of the match that points at them (``player_N_replay_path``);
  a record no match points at is counted and left out (evoladder's replay belongs to a match and
  an uploader). Without the files, the record keeps the peer's hash and size 0; with them, the
  hash is evoladder's own (blake2b of the bytes) so a re-upload of the same file is recognised.
  The peer's parsed facts (names, races, handles, settings) are kept under ``checks["peer"]``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple

from evoladder.domain.match_state import MatchStatus
from evoladder.domain.players import ABORTS_PER_MONTH, ChangedBy, PlayerState, month_key

# Column lengths of evoladder's tables (store/schema.py): longer peer values are cut, counted.
USERNAME_MAX = 64
MAIN_ID_MAX = 32
BATTLETAG_MAX = 64
MAP_MAX = 128
SERVER_MAX = 8
FIELD_MAX = 32
COMMAND_MAX = 64
EARLIEST_YEAR = 2000
CALL_ID_PREFIX = "elb-"
REPORT_CODES = frozenset({0, 1, 2, -1, -3, -4})
RESULT_CODES = frozenset({0, 1, 2, -1, -2})
_HEX = re.compile(r"[0-9a-f]{16,128}")
_FROM_ISO = datetime.fromisoformat
# The peer's setting names where evoladder's column has another name.
FIELD_NAMES = {"player_name": "main_id", "alt_player_name_1": "alt_ids", "alt_player_name_2": "alt_ids",
               "accepted_tos": "terms_accepted_at", "player_state": "state",
               "remaining_aborts": "aborts_left"}


class Issue:
    """What the importer could not map, one stable key each (the report prints the text)."""

    UNKNOWN_RACE = "unknown race code"
    UNKNOWN_MAP = "map not in the game data (kept under its name)"
    UNKNOWN_SERVER = "server not in the game data (kept as given)"
    UNKNOWN_COUNTRY = "country not in the game data (left empty)"
    UNKNOWN_REGION = "region not in the game data (left empty)"
    UNKNOWN_RESULT = "unknown match_result code (match left out)"
    UNKNOWN_REPORT = "unknown report code (left empty)"
    UNKNOWN_CHANGED_BY = "unknown changed_by (taken as system)"
    UNKNOWN_VETO = "veto naming no known map (dropped)"
    BROKEN_TIME = "broken timestamp"
    BROKEN_BOOL = "broken boolean (taken as false)"
    BROKEN_NUMBER = "broken number"
    BROKEN_JSON = "broken JSON list (taken as empty)"
    BROKEN_HASH = "replay hash that is not hex (record left out)"
    MISSING_PLAYER_FIELD = "missing discord_uid (row left out)"
    SELF_MATCH = "match of a player against themselves (left out)"
    UNKNOWN_PLAYER = "row of a player not in the players table (left out)"
    UNKNOWN_PLAYER_KEPT = "match of a player not in the players table (kept)"
    REPLAY_WITHOUT_MATCH = "replay record no match points at (left out)"
    REPLAY_FILE_MISSING = "replay file not in the replays folder (record kept)"
    CUT = "text longer than evoladder's column (cut)"
    SETUP_WITHOUT_ID = "setup marked complete without a main id (left incomplete)"


@dataclass
class Issues:
    """Counts of what could not be mapped, with a few examples of each (for the report)."""

    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    max_examples: int = 3

    def note(self, issue: str, where: str, example: object = None) -> None:
        key = f"{where}: {issue}"
        self.counts[key] += 1
        if example is not None:
            shown = self.examples.setdefault(key, [])
            text = repr(example)
            if len(shown) < self.max_examples and text not in shown:
                shown.append(text)

    def note_many(self, issue: str, where: str, count: int, examples: Iterable[object] = ()) -> None:
        """``count`` rows with the same issue at once (the set-based import counts in SQL)."""
        if count <= 0:
            return
        key = f"{where}: {issue}"
        self.counts[key] += count
        shown = self.examples.setdefault(key, [])
        for example in examples:
            text = repr(example)
            if len(shown) < self.max_examples and text not in shown:
                shown.append(text)

    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Vocabulary:
    """The codes the ladder knows, from its game data (built by the caller)."""

    races: frozenset[str]
    map_names: frozenset[str]  # full names, every season
    map_aliases: Mapping[str, str]  # casefolded full or short name -> full name
    servers: frozenset[str]
    regions: frozenset[str]
    countries: frozenset[str]


# ---------------------------------------------------------------------------------------------
# Values


class BrokenValue(ValueError):
    """A peer value that cannot be read as what its column says it is."""


def parse_time(value: object) -> datetime | None:
    """A peer timestamp as an aware UTC datetime; None when empty; ``BrokenValue`` when broken.

    PostgreSQL gives aware datetimes; SQLite gives ISO 8601 text, with or without an offset
    (without one it is UTC), with ``T`` or a space. Numbers are taken as Unix seconds.
    """
    if value.__class__ is str:
        # The common case first (a million times an import): SQLite's naive UTC text,
        # "YYYY-MM-DD HH:MM:SS[.ffffff]", parsed with an explicit offset.
        tail = value[19:]
        if (not tail or (tail[0] == "." and len(tail) <= 7)) and len(value) >= 19:
            try:
                moment = _FROM_ISO(value + "+00:00")
            except ValueError:
                raise BrokenValue(value) from None
            if moment.year < EARLIEST_YEAR:
                raise BrokenValue(value)
            return moment
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        try:
            if len(text) > 10 and text[-1] != "Z" and "+" not in text[-6:] and "-" not in text[-6:]:
                # No offset: UTC. Parsed with one (cheaper than ``replace(tzinfo=UTC)`` after,
                # which counts at millions of rows).
                moment = datetime.fromisoformat(text + "+00:00")
            else:
                moment = datetime.fromisoformat(text)
        except ValueError:
            raise BrokenValue(value) from None
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            moment = datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise BrokenValue(value) from None
    else:
        raise BrokenValue(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    elif moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    if moment.year < EARLIEST_YEAR:
        raise BrokenValue(value)
    return moment


def parse_bool(value: object) -> bool:
    """A peer boolean (bool, 0/1, or text such as 'true'); ``BrokenValue`` otherwise."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("1", "true", "t", "yes", "y"):
            return True
        if text in ("0", "false", "f", "no", "n", ""):
            return False
    raise BrokenValue(value)


def parse_json_list(value: object) -> list[Any]:
    """A JSON text list (or a list already decoded by the driver); ``BrokenValue`` otherwise."""
    if value is None or value == "":
        return []
    decoded = value
    if isinstance(value, (str, bytes)):
        try:
            decoded = json.loads(value)
        except ValueError:
            raise BrokenValue(value) from None
    if not isinstance(decoded, list):
        raise BrokenValue(value)
    return decoded


class _Reader:
    """Reads one row's values, noting what is broken under ``where`` (the peer table)."""

    __slots__ = ("issues", "where")

    def __init__(self, issues: Issues, where: str) -> None:
        self.issues = issues
        self.where = where

    def time(self, value: object, column: str) -> datetime | None:
        try:
            return parse_time(value)
        except BrokenValue:
            self.issues.note(Issue.BROKEN_TIME, f"{self.where}.{column}", value)
            return None

    def flag(self, value: object, column: str) -> bool:
        try:
            return parse_bool(value)
        except BrokenValue:
            self.issues.note(Issue.BROKEN_BOOL, f"{self.where}.{column}", value)
            return False

    def number(self, value: object, column: str, default: int | None) -> int | None:
        if value is None:
            return default
        try:
            return int(value)  # type: ignore[call-overload,no-any-return]
        except (TypeError, ValueError):
            self.issues.note(Issue.BROKEN_NUMBER, f"{self.where}.{column}", value)
            return default

    def json_list(self, value: object, column: str) -> list[Any]:
        try:
            return parse_json_list(value)
        except BrokenValue:
            self.issues.note(Issue.BROKEN_JSON, f"{self.where}.{column}", value)
            return []

    def text(self, value: object, column: str, limit: int) -> str | None:
        if value is None:
            return None
        text = str(value)
        if len(text) > limit:
            self.issues.note(Issue.CUT, f"{self.where}.{column}", text)
            return text[:limit]
        return text


# ---------------------------------------------------------------------------------------------
# Players


class PeerPlayer(NamedTuple):
    id: int
    discord_uid: Any
    discord_username: Any
    player_name: Any
    battletag: Any
    alt_player_name_1: Any
    alt_player_name_2: Any
    country: Any
    region: Any
    accepted_tos: Any
    accepted_tos_date: Any
    completed_setup: Any
    completed_setup_date: Any
    activation_code: Any
    created_at: Any
    updated_at: Any
    remaining_aborts: Any
    player_state: Any
    is_banned: Any
    read_quick_start_guide: Any


class NewPlayer(NamedTuple):
    discord_uid: int
    discord_username: str
    main_id: str | None
    battletag: str | None
    alt_ids: list[str]
    country: str | None
    region: str | None
    terms_accepted_at: datetime | None
    terms_declined_at: datetime | None
    completed_setup_date: datetime | None
    activated_at: datetime | None
    quickstart_acknowledged_at: datetime | None
    is_banned: bool
    ban_reason: str | None
    aborts_left: int
    aborts_period: int
    state: str
    current_match_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int


class StateFix:
    """Why an imported player who was not idle in the peer is idle here (report keys)."""

    QUEUEING = "was queueing (the peer's queue was in memory): now idle"
    OPEN_MATCH = "was in a match still open at export (closed as abandoned): now idle"
    STALE = "was 'in_match' of a match already over or unknown: now idle"
    UNKNOWN = "had an unknown player_state: now idle"


def state_fix(peer_state: object, open_match_ids: frozenset[int]) -> str | None:
    """Which ``StateFix`` applies to a peer ``player_state`` (None: the player was idle)."""
    text = str(peer_state or "idle").strip()
    if text == "idle":
        return None
    if text == "queueing":
        return StateFix.QUEUEING
    if text.startswith("in_match"):
        _, _, raw = text.partition(":")
        try:
            match_id = int(raw)
        except ValueError:
            return StateFix.STALE
        return StateFix.OPEN_MATCH if match_id in open_match_ids else StateFix.STALE
    return StateFix.UNKNOWN


def map_player(
    row: PeerPlayer,
    vocab: Vocabulary,
    issues: Issues,
    now: datetime,
    aborts_this_month: int,
) -> NewPlayer | None:
    """One peer player as an evoladder player (always idle: see the module's decisions)."""
    r = _Reader(issues, "players")
    uid = r.number(row.discord_uid, "discord_uid", None)
    if uid is None:
        issues.note(Issue.MISSING_PLAYER_FIELD, "players", row.id)
        return None
    created = r.time(row.created_at, "created_at")
    updated = r.time(row.updated_at, "updated_at")
    if created is None:
        created = updated or now
    updated = max(updated or created, created)
    username = r.text(row.discord_username, "discord_username", USERNAME_MAX) or str(uid)
    main_id = r.text(row.player_name, "player_name", MAIN_ID_MAX) or None
    alts = [a for a in (r.text(row.alt_player_name_1, "alt_player_name_1", MAIN_ID_MAX),
                        r.text(row.alt_player_name_2, "alt_player_name_2", MAIN_ID_MAX)) if a]
    country = str(row.country).strip().upper() if row.country else None
    if country is not None and country not in vocab.countries:
        issues.note(Issue.UNKNOWN_COUNTRY, "players.country", row.country)
        country = None
    region = str(row.region).strip() if row.region else None
    if region is not None and region not in vocab.regions:
        issues.note(Issue.UNKNOWN_REGION, "players.region", row.region)
        region = None
    terms = None
    if r.flag(row.accepted_tos, "accepted_tos"):
        terms = r.time(row.accepted_tos_date, "accepted_tos_date") or created
    setup = None
    if r.flag(row.completed_setup, "completed_setup"):
        if main_id is None:
            issues.note(Issue.SETUP_WITHOUT_ID, "players", uid)
        else:
            setup = r.time(row.completed_setup_date, "completed_setup_date") or created
    activated = created if row.activation_code not in (None, "") else None
    quickstart = created if r.flag(row.read_quick_start_guide, "read_quick_start_guide") else None
    return NewPlayer(
        discord_uid=uid,
        discord_username=username,
        main_id=main_id,
        battletag=r.text(row.battletag, "battletag", BATTLETAG_MAX) or None,
        alt_ids=alts,
        country=country,
        region=region,
        terms_accepted_at=terms,
        terms_declined_at=None,
        completed_setup_date=setup,
        activated_at=activated,
        quickstart_acknowledged_at=quickstart,
        is_banned=r.flag(row.is_banned, "is_banned"),
        ban_reason=None,
        aborts_left=max(0, ABORTS_PER_MONTH - aborts_this_month),
        aborts_period=month_key(now),
        state=PlayerState.IDLE.value,
        current_match_id=None,
        created_at=created,
        updated_at=updated,
        version=1,
    )


# ---------------------------------------------------------------------------------------------
# Ratings


class PeerMmr(NamedTuple):
    id: int
    discord_uid: Any
    race: Any
    mmr: Any
    games_played: Any
    games_won: Any
    games_lost: Any
    games_drawn: Any
    last_played: Any


class NewMmr(NamedTuple):
    discord_uid: int
    race: str
    mmr: int
    games_played: int
    games_won: int
    games_lost: int
    games_drawn: int
    last_played: datetime | None


def map_mmr(row: PeerMmr, vocab: Vocabulary, issues: Issues) -> NewMmr | None:
    """One rating row, as it is (see the module's decisions)."""
    r = _Reader(issues, "mmrs_1v1")
    uid = r.number(row.discord_uid, "discord_uid", None)
    mmr = r.number(row.mmr, "mmr", None)
    if uid is None or mmr is None:
        issues.note(Issue.MISSING_PLAYER_FIELD, "mmrs_1v1", row.id)
        return None
    if row.race not in vocab.races:
        issues.note(Issue.UNKNOWN_RACE, "mmrs_1v1", row.race)
        return None
    return NewMmr(
        discord_uid=uid,
        race=row.race,
        mmr=mmr,
        games_played=r.number(row.games_played, "games_played", 0) or 0,
        games_won=r.number(row.games_won, "games_won", 0) or 0,
        games_lost=r.number(row.games_lost, "games_lost", 0) or 0,
        games_drawn=r.number(row.games_drawn, "games_drawn", 0) or 0,
        last_played=r.time(row.last_played, "last_played"),
    )


# ---------------------------------------------------------------------------------------------
# Matches


class PeerMatch(NamedTuple):
    id: int
    player_1_discord_uid: Any
    player_2_discord_uid: Any
    player_1_race: Any
    player_2_race: Any
    player_1_mmr: Any
    player_2_mmr: Any
    player_1_report: Any
    player_2_report: Any
    match_result: Any
    mmr_change: Any
    map_played: Any
    server_used: Any
    played_at: Any
    updated_at: Any
    player_1_replay_time: Any
    player_2_replay_time: Any


class NewMatch(NamedTuple):
    id: int
    player_1_discord_uid: int
    player_2_discord_uid: int
    player_1_race: str
    player_2_race: str
    player_1_mmr: int
    player_2_mmr: int
    player_1_report: int | None
    player_2_report: int | None
    match_result: int | None
    mmr_change: int | None
    map_played: str
    server_choice: str
    status: str
    played_at: datetime
    finalized_at: datetime | None
    version: int


def match_status(
    result: int | None, reports: tuple[int | None, int | None], admin_touched: bool
) -> MatchStatus:
    """evoladder's status for a peer match (an open one is closed as abandoned)."""
    return MatchStatus(_status(result, reports[0], reports[1], admin_touched))


_FINAL, _CONFLICT = MatchStatus.FINAL.value, MatchStatus.CONFLICT.value
_ABORTED, _ABANDONED = MatchStatus.ABORTED.value, MatchStatus.ABANDONED.value
_INVALIDATED = MatchStatus.INVALIDATED.value


def _status(result: int | None, report_1: int | None, report_2: int | None, admin_touched: bool) -> str:
    if result is None:
        return _ABANDONED
    if result >= 0:
        return _FINAL
    if result == -2:
        return _CONFLICT
    if admin_touched:
        return _INVALIDATED
    if report_1 == -3 or report_2 == -3:
        return _ABORTED
    return _ABANDONED


def _time(value: object, issues: Issues, where: str) -> datetime | None:
    """``parse_time`` noting a broken value under ``where`` (None then)."""
    if value is None:
        return None
    try:
        return parse_time(value)
    except BrokenValue:
        issues.note(Issue.BROKEN_TIME, where, value)
        return None


def map_match(row: Sequence[Any], vocab: Vocabulary, issues: Issues) -> NewMatch | None:
    """One match with its codes mapped (see the module's decisions).

    ``row`` is in ``PeerMatch``'s order (a plain tuple from the adapter will do: this runs a
    million times in an import, so clean values take the short way and only odd ones go through
    the careful readers).
    """
    (mid, p1, p2, race_1, race_2, mmr_1, mmr_2, report_1, report_2, result, change, map_played,
     server, played_raw, admin_raw, upload_1, upload_2) = row
    if type(p1) is not int or type(p2) is not int:
        r = _Reader(issues, "matches_1v1")
        p1 = r.number(p1, "player_1_discord_uid", None)
        p2 = r.number(p2, "player_2_discord_uid", None)
        if p1 is None or p2 is None:
            issues.note(Issue.MISSING_PLAYER_FIELD, "matches_1v1", mid)
            return None
    if p1 == p2:
        issues.note(Issue.SELF_MATCH, "matches_1v1", mid)
        return None
    races = vocab.races
    if race_1 not in races or race_2 not in races:
        issues.note(Issue.UNKNOWN_RACE, "matches_1v1", race_2 if race_1 in races else race_1)
        return None
    played = _time(played_raw, issues, "matches_1v1.played_at")
    if played is None:
        if played_raw is None:
            issues.note(Issue.BROKEN_TIME, "matches_1v1.played_at", None)
        return None
    if not (result is None or type(result) is int):
        result = _Reader(issues, "matches_1v1").number(result, "match_result", -99)
    if result is not None and result not in RESULT_CODES:
        issues.note(Issue.UNKNOWN_RESULT, "matches_1v1", row[9])
        return None
    if not (report_1 is None or report_1 in REPORT_CODES):
        issues.note(Issue.UNKNOWN_REPORT, "matches_1v1", report_1)
        report_1 = None
    if not (report_2 is None or report_2 in REPORT_CODES):
        issues.note(Issue.UNKNOWN_REPORT, "matches_1v1", report_2)
        report_2 = None
    admin_time = _time(admin_raw, issues, "matches_1v1.updated_at")
    status = _status(result, report_1, report_2, admin_time is not None)
    if type(change) is not int:
        change = _Reader(issues, "matches_1v1").number(change, "mmr_change", 0) or 0
    if result is None:  # open at export: closed as abandoned, nobody at fault, no rating moved
        result, change = -1, 0
        report_1 = -1 if report_1 is None else report_1
        report_2 = -1 if report_2 is None else report_2
    finalized = None
    if status is not _CONFLICT or admin_time is not None:
        if admin_time is not None:
            finalized = admin_time
        else:
            t1 = _time(upload_1, issues, "matches_1v1.player_1_replay_time")
            t2 = _time(upload_2, issues, "matches_1v1.player_2_replay_time")
            finalized = max(t1, t2) if t1 and t2 else (t1 or t2 or played)
    if map_played not in vocab.map_names:
        map_played = map_full_name(map_played, vocab, issues, "matches_1v1.map_played")
    if server not in vocab.servers:
        issues.note(Issue.UNKNOWN_SERVER, "matches_1v1.server_used", server)
        server = str(server or "")[:SERVER_MAX]
    if type(mmr_1) is not int or type(mmr_2) is not int:
        r = _Reader(issues, "matches_1v1")
        mmr_1 = r.number(mmr_1, "player_1_mmr", 0) or 0
        mmr_2 = r.number(mmr_2, "player_2_mmr", 0) or 0
    return NewMatch(int(mid), p1, p2, race_1, race_2, mmr_1, mmr_2, report_1, report_2, result, change,
                    map_played, server, status, played, finalized, 1)


def map_full_name(value: object, vocab: Vocabulary, issues: Issues, where: str) -> str:
    """A map's full name; an unknown one is kept under its own name (cut to the column), noted."""
    name = str(value or "")
    if name in vocab.map_names:
        return name
    known = vocab.map_aliases.get(name.strip().casefold())
    if known is not None:
        return known
    issues.note(Issue.UNKNOWN_MAP, where, value)
    return name[:MAP_MAX]


def aborts_by_player(rows: Iterable[tuple[Any, Any, Any, Any, Any]], now: datetime) -> Counter[int]:
    """Aborts each player made in ``now``'s UTC month: rows of (p1 uid, p1 report, p2 uid, p2
    report, played_at) of matches with a -3 report. Broken times are not counted here (the match
    itself notes them)."""
    month = month_key(now)
    used: Counter[int] = Counter()
    for p1, r1, p2, r2, played_at in rows:
        try:
            moment = parse_time(played_at)
        except BrokenValue:
            continue
        if moment is None or month_key(moment) != month:
            continue
        for uid, report in ((p1, r1), (p2, r2)):
            if report is not None and int(report) == -3 and uid is not None:
                used[int(uid)] += 1
    return used


# ---------------------------------------------------------------------------------------------
# Preferences, action logs, command calls


class PeerPreferences(NamedTuple):
    id: int
    discord_uid: Any
    last_chosen_races: Any
    last_chosen_vetoes: Any


class NewPreferences(NamedTuple):
    discord_uid: int
    last_chosen_races: list[str]
    last_chosen_vetoes: list[str]
    updated_at: datetime


def map_preferences(
    row: PeerPreferences, vocab: Vocabulary, issues: Issues, now: datetime
) -> NewPreferences | None:
    """Last queue choices; unknown races and vetoes are dropped, counted."""
    r = _Reader(issues, "preferences_1v1")
    uid = r.number(row.discord_uid, "discord_uid", None)
    if uid is None:
        issues.note(Issue.MISSING_PLAYER_FIELD, "preferences_1v1", row.id)
        return None
    races = []
    for race in r.json_list(row.last_chosen_races, "last_chosen_races"):
        if race in vocab.races:
            races.append(str(race))
        else:
            issues.note(Issue.UNKNOWN_RACE, "preferences_1v1", race)
    vetoes: list[str] = []
    for veto in r.json_list(row.last_chosen_vetoes, "last_chosen_vetoes"):
        name = str(veto) if veto in vocab.map_names else vocab.map_aliases.get(str(veto).strip().casefold())
        if name is None:
            issues.note(Issue.UNKNOWN_VETO, "preferences_1v1", veto)
        elif name not in vetoes:
            vetoes.append(name)
    return NewPreferences(uid, races, vetoes, now)


class PeerActionLog(NamedTuple):
    id: int
    discord_uid: Any
    setting_name: Any
    old_value: Any
    new_value: Any
    changed_at: Any
    changed_by: Any


class NewActionLog(NamedTuple):
    discord_uid: int
    field: str
    old_value: str | None
    new_value: str | None
    changed_by: str
    changed_by_uid: int | None
    changed_at: datetime


def changed_by(value: object) -> tuple[ChangedBy, int | None] | None:
    """The peer's ``changed_by`` (player, system, admin:<uid>) as evoladder's pair; None if unknown."""
    text = str(value or "player").strip()
    if text == "player":
        return ChangedBy.PLAYER, None
    if text == "system":
        return ChangedBy.SYSTEM, None
    if text.startswith("admin"):
        _, _, raw = text.partition(":")
        return ChangedBy.ADMIN, int(raw) if raw.strip().isdigit() else None
    return None


def _logged(
    r: _Reader, row_id: object, uid_value: object, at_value: object, column: str
) -> tuple[int, datetime] | None:
    """The player and the defining time of a log row (an action log, a command call); None,
    noted, when either is missing or broken: such a row says nothing about anyone."""
    uid = r.number(uid_value, "discord_uid", None)
    if uid is None:
        r.issues.note(Issue.MISSING_PLAYER_FIELD, r.where, row_id)
        return None
    at = r.time(at_value, column)
    if at is None:
        if at_value is None:
            r.issues.note(Issue.BROKEN_TIME, f"{r.where}.{column}", None)
        return None
    return uid, at


def map_action_log(row: PeerActionLog, issues: Issues) -> NewActionLog | None:
    r = _Reader(issues, "player_action_logs")
    logged = _logged(r, row.id, row.discord_uid, row.changed_at, "changed_at")
    if logged is None:
        return None
    uid, at = logged
    who = changed_by(row.changed_by)
    if who is None:
        issues.note(Issue.UNKNOWN_CHANGED_BY, "player_action_logs", row.changed_by)
        who = (ChangedBy.SYSTEM, None)
    name = str(row.setting_name or "")
    return NewActionLog(
        discord_uid=uid,
        field=(FIELD_NAMES.get(name, name))[:FIELD_MAX],
        old_value=None if row.old_value is None else str(row.old_value),
        new_value=None if row.new_value is None else str(row.new_value),
        changed_by=who[0].value,
        changed_by_uid=who[1],
        changed_at=at,
    )


class PeerCommandCall(NamedTuple):
    id: int
    discord_uid: Any
    command: Any
    called_at: Any


class NewCommandCall(NamedTuple):
    discord_uid: int
    command: str
    called_at: datetime
    guild_id: int | None
    call_id: str


def map_command_call(row: PeerCommandCall, issues: Issues) -> NewCommandCall | None:
    """A command call; its ``call_id`` (``elb-<peer id>``) makes a second insert impossible."""
    r = _Reader(issues, "command_calls")
    logged = _logged(r, row.id, row.discord_uid, row.called_at, "called_at")
    if logged is None:
        return None
    uid, at = logged
    command = r.text(row.command, "command", COMMAND_MAX) or ""
    return NewCommandCall(uid, command, at, None, f"{CALL_ID_PREFIX}{row.id}")


# ---------------------------------------------------------------------------------------------
# Replays


class PeerReplay(NamedTuple):
    id: int
    replay_path: Any
    replay_hash: Any
    replay_date: Any
    player_1_name: Any
    player_2_name: Any
    player_1_race: Any
    player_2_race: Any
    result: Any
    player_1_handle: Any
    player_2_handle: Any
    observers: Any
    map_name: Any
    duration: Any
    game_privacy: Any
    game_speed: Any
    game_duration_setting: Any
    locked_alliances: Any
    cache_handles: Any
    uploaded_at: Any
    # From the match that points at this record (None when none does).
    match_id: Any
    uploader_uid: Any
    uploader_time: Any


class NewReplay(NamedTuple):
    match_id: int
    uploader_uid: int
    hash: str
    storage_key: str
    size_bytes: int
    uploaded_at: datetime
    date: datetime | None
    map_name: str | None
    official: bool | None
    critical_ok: bool | None
    winner_uid: int | None
    parsed: dict[str, Any] | None
    checks: dict[str, Any] | None


class ReplayPlan(NamedTuple):
    """A peer replay record mapped, before its key: the service adds the file's hash and size
    when the replays folder holds the file."""

    match_id: int
    uploader_uid: int
    peer_hash: str | None  # lower-case hex, or None when the peer's is not hex
    path: str
    uploaded_at: datetime
    date: datetime | None
    map_name: str | None
    peer: dict[str, Any]


def plan_replay(row: PeerReplay, vocab: Vocabulary, issues: Issues) -> ReplayPlan | None:
    r = _Reader(issues, "replays")
    if row.match_id is None or row.uploader_uid is None:
        issues.note(Issue.REPLAY_WITHOUT_MATCH, "replays", row.replay_path)
        return None
    date = r.time(row.replay_date, "replay_date")
    uploaded = (r.time(row.uploader_time, "player_N_replay_time") or r.time(row.uploaded_at, "uploaded_at")
                or date)
    if uploaded is None:
        issues.note(Issue.BROKEN_TIME, "replays.uploaded_at", None)
        return None
    digest = str(row.replay_hash or "").strip().lower()
    map_name = row.map_name
    if map_name is not None and map_name not in vocab.map_names:
        map_name = map_full_name(map_name, vocab, issues, "replays.map_name")
    peer = {
        "source": "evoladderbot",
        "replay_path": row.replay_path,
        "hash": row.replay_hash,
        "player_names": [row.player_1_name, row.player_2_name],
        "races": [row.player_1_race, row.player_2_race],
        "result": r.number(row.result, "result", None),
        "toon_handles": [row.player_1_handle, row.player_2_handle],
        "observers": r.json_list(row.observers, "observers"),
        "map_name": row.map_name,
        "duration_seconds": r.number(row.duration, "duration", None),
        "settings": {"privacy": row.game_privacy, "speed": row.game_speed,
                     "duration": row.game_duration_setting, "locked_alliances": row.locked_alliances},
        "cache_handles": r.json_list(row.cache_handles, "cache_handles"),
    }
    return ReplayPlan(
        match_id=int(row.match_id),
        uploader_uid=int(row.uploader_uid),
        peer_hash=digest if _HEX.fullmatch(digest) else None,
        path=str(row.replay_path or ""),
        uploaded_at=uploaded,
        date=date,
        map_name=map_name,
        peer=peer,
    )


def replay_row(plan: ReplayPlan, digest: str, size: int, key: str) -> NewReplay:
    """The replay row once the hash (the file's, or the peer's) and storage key are known."""
    return NewReplay(
        match_id=plan.match_id,
        uploader_uid=plan.uploader_uid,
        hash=digest,
        storage_key=key,
        size_bytes=size,
        uploaded_at=plan.uploaded_at,
        date=plan.date,
        map_name=plan.map_name,
        official=None,
        critical_ok=None,
        winner_uid=None,
        parsed=None,
        checks={"peer": plan.peer},
    )
