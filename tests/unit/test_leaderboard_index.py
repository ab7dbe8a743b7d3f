"""The leaderboard index against a brute-force sort of the same rows (hypothesis).

The model keeps every (player, race) row as plain data and answers each question by sorting from
scratch with the domain's own rules (``is_ranked``, ``letter_bounds``); the index must give the
same pages, totals, positions, global ranks and letters after any sequence of builds, result
updates, country changes, bans, un-bans and the passing of time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sortedcontainers import SortedList

from evoladder.domain.leaderboard import (
    OTHER_GROUP,
    IndexBuilder,
    LeaderboardFilter,
    LeaderboardIndex,
    PlayerInfo,
    places_of_sorted,
)
from evoladder.domain.players import MmrRow
from evoladder.domain.ranks import LETTERS, is_ranked, letter_at, letter_bounds

RACES = ("bw_terran", "bw_zerg", "bw_protoss", "sc2_terran", "sc2_zerg", "sc2_protoss")
COUNTRIES = ("KR", "US", "DE", "CN", "RU", None)
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def rating(
    row_id: int, uid: int, race: str, mmr: int, games: int, played: datetime | None
) -> MmrRow:
    return MmrRow(row_id, uid, race, mmr, games, games, 0, 0, played)


@dataclass
class Model:
    rows: dict[int, MmrRow] = field(default_factory=dict)
    players: dict[int, PlayerInfo] = field(default_factory=dict)
    now: datetime = T0

    def ranked(self) -> list[MmrRow]:
        visible = [
            r for r in self.rows.values()
            if not self.players.get(r.discord_uid, PlayerInfo(None, "?")).hidden
            and is_ranked(r.games_played, r.last_played, self.now)
        ]
        return sorted(visible, key=lambda r: (-r.mmr, -(r.last_played or T0).timestamp(), r.id))

    def query(self, flt: LeaderboardFilter) -> list[tuple[MmrRow, int, str]]:
        """(row, global 0-based position, letter) of the filtered rows, in order."""
        ordered = self.ranked()
        bounds = letter_bounds(len(ordered))
        placed = [(r, i, letter_at(i, bounds)) for i, r in enumerate(ordered)]
        if flt.best_only:
            seen: set[int] = set()
            best = []
            for item in placed:
                if item[0].discord_uid not in seen:
                    seen.add(item[0].discord_uid)
                    best.append(item)
            placed = best
        out = []
        for row, pos, letter in placed:
            country = self.players.get(row.discord_uid, PlayerInfo(None, "?")).country
            if flt.races and row.race not in flt.races:
                continue
            if flt.countries and country not in flt.countries:
                continue
            if flt.letter is not None and letter != flt.letter:
                continue
            out.append((row, pos, letter))
        return out


def check_index_agrees(index: LeaderboardIndex, model: Model, flt: LeaderboardFilter) -> None:
    index.refresh(model.now)
    expected = model.query(flt)
    size = index.page_size
    first = index.page(flt, 1)
    assert first.total == len(expected)
    assert first.ranked_total == len(model.ranked())
    assert first.pages == max(1, -(-len(expected) // size))
    last_key = -1  # before every key: the cursor's walk starts at the top
    for page in range(1, first.pages + 1):
        got = index.page(flt, page)
        # The keyset cursor from the previous page's last row gives the same page.
        walked = index.page_after(flt, last_key)
        assert (walked.entries, walked.page, walked.total) == (got.entries, got.page, got.total), (flt, page)
        last_key = got.entries[-1].key if got.entries else last_key
        want = expected[(page - 1) * size : page * size]
        assert [(e.discord_uid, e.race) for e in got.entries] == [
            (r.discord_uid, r.race) for r, _, _ in want
        ], (flt, page)
        for e, (row, pos, letter) in zip(got.entries, want, strict=True):
            assert e.global_rank == pos + 1
            assert e.letter == letter
            assert e.mmr == row.mmr
            assert e.last_played == row.last_played
        assert [e.position for e in got.entries] == list(range((page - 1) * size + 1, page * size + 1))[
            : len(want)
        ]
    for uid in {r.discord_uid for r in model.rows.values()}:
        spot = index.position_of(uid, flt)
        where = next((i for i, (r, _, _) in enumerate(expected) if r.discord_uid == uid), None)
        if where is None:
            assert spot is None, (uid, flt)
        else:
            assert spot is not None, (uid, flt)
            assert spot.position == where + 1
            assert spot.page == where // size + 1
            assert spot.race == expected[where][0].race


def check_ranks_agree(index: LeaderboardIndex, model: Model) -> None:
    ordered = model.ranked()
    bounds = letter_bounds(len(ordered))
    where = {(r.discord_uid, r.race): i for i, r in enumerate(ordered)}
    for row in model.rows.values():
        info = index.rank_of(row.discord_uid, row.race)
        pos = where.get((row.discord_uid, row.race))
        if pos is None:
            assert info is None
        else:
            assert info is not None
            assert (info.global_rank, info.letter, info.ranked_total) == (
                pos + 1, letter_at(pos, bounds), len(ordered)
            )
    for uid in {r.discord_uid for r in model.rows.values()}:
        mine = {r.race for r in model.rows.values() if r.discord_uid == uid}
        expected = {race: index.rank_of(uid, race) for race in mine}
        assert index.ranks_of(uid) == {race: i for race, i in expected.items() if i is not None}


uids = st.integers(1, 14)
rows_st = st.builds(
    lambda uid, race, mmr, games, age_h: (uid, race, mmr, games, age_h),
    uids,
    st.sampled_from(RACES),
    st.integers(1400, 1600).map(lambda m: m - m % 7),  # coarse, so ties happen
    st.integers(0, 3),
    st.integers(0, 24 * 20),
)
filters = st.builds(
    LeaderboardFilter,
    races=st.frozensets(st.sampled_from(RACES), max_size=6),
    countries=st.frozensets(st.sampled_from([c for c in COUNTRIES if c]), max_size=3),
    letter=st.none() | st.sampled_from(LETTERS),
    best_only=st.booleans(),
)
ops = st.one_of(
    st.tuples(st.just("result"), rows_st),
    st.tuples(st.just("country"), uids, st.sampled_from(COUNTRIES)),
    st.tuples(st.just("ban"), uids, st.booleans()),
    st.tuples(st.just("time"), st.integers(0, 24 * 6)),
)


class Harness:
    def __init__(self, page_size: int, merge_rows: int) -> None:
        self.model = Model()
        self.ids: dict[tuple[int, str], int] = {}
        self.page_size = page_size
        self.merge_rows = merge_rows

    def row(self, spec: tuple[int, str, int, int, int]) -> MmrRow:
        uid, race, mmr, games, age_h = spec
        row_id = self.ids.setdefault((uid, race), len(self.ids) + 1)
        played = self.model.now - timedelta(hours=age_h) if games else None
        return rating(row_id, uid, race, mmr, games, played)

    def build(self, initial: list[tuple[int, str, int, int, int]]) -> LeaderboardIndex:
        for uid in range(1, 15):
            self.model.players[uid] = PlayerInfo(COUNTRIES[uid % len(COUNTRIES)], f"p{uid}")
        for spec in initial:
            row = self.row(spec)
            self.model.rows[row.id] = row
        return LeaderboardIndex.build(
            self.model.rows.values(), self.model.players, self.model.now, self.page_size, self.merge_rows
        )

    def apply(self, index: LeaderboardIndex, op: tuple[object, ...]) -> None:
        model = self.model
        kind = op[0]
        if kind == "result":
            spec = op[1]
            assert isinstance(spec, tuple)
            row = self.row(spec)
            model.rows[row.id] = row
            index.upsert(row, model.now)
        elif kind == "country":
            uid, country = op[1], op[2]
            assert isinstance(uid, int) and (country is None or isinstance(country, str))
            info = model.players[uid]
            model.players[uid] = PlayerInfo(country, info.name, info.hidden)
            index.set_player(uid, model.players[uid])
        elif kind == "ban":
            uid, hidden = op[1], op[2]
            assert isinstance(uid, int) and isinstance(hidden, bool)
            info = model.players[uid]
            model.players[uid] = PlayerInfo(info.country, info.name, hidden)
            index.set_player(uid, model.players[uid])
            if not hidden:  # the service re-sends the player's rows from the database
                for row in model.rows.values():
                    if row.discord_uid == uid:
                        index.upsert(row, model.now)
        else:
            hours = op[1]
            assert isinstance(hours, int)
            model.now += timedelta(hours=hours)
            index.refresh(model.now)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    initial=st.lists(rows_st, max_size=40),
    steps=st.lists(ops, max_size=25),
    checks=st.lists(filters, min_size=1, max_size=4),
    page_size=st.sampled_from([1, 3, 40]),
    merge_rows=st.sampled_from([0, 40]),
)
def test_index_matches_brute_force(
    initial: list[tuple[int, str, int, int, int]],
    steps: list[tuple[object, ...]],
    checks: list[LeaderboardFilter],
    page_size: int,
    merge_rows: int,
) -> None:
    harness = Harness(page_size, merge_rows)
    index = harness.build(initial)
    check_index_agrees(index, harness.model, LeaderboardFilter())
    for step in steps:
        harness.apply(index, step)
    for flt in [LeaderboardFilter(), *checks]:
        check_index_agrees(index, harness.model, flt)
    check_ranks_agree(index, harness.model)


@settings(max_examples=40, deadline=None)
@given(steps=st.lists(ops, min_size=1, max_size=40), flt=filters)
def test_incremental_updates_equal_a_fresh_build(
    steps: list[tuple[object, ...]], flt: LeaderboardFilter
) -> None:
    """Updating in place (O(log n) per change) ends where building from scratch would, with
    pages read between the changes (so a page served before a change is never served after)."""
    harness = Harness(3, 0)
    index = harness.build([])
    for step in steps:
        harness.apply(index, step)
        index.page(flt, 1)
    model = harness.model
    fresh = LeaderboardIndex.build(model.rows.values(), model.players, model.now, 3, 0)
    for page in range(1, 4):
        assert index.page(flt, page) == fresh.page(flt, page)


def test_inactive_rows_drop_out_with_time_alone() -> None:
    """Nobody plays; the clock moves; rows leave the ranking and every letter moves with them."""
    players = {uid: PlayerInfo("KR", f"p{uid}") for uid in range(1, 101)}
    rows = [
        rating(uid, uid, "bw_zerg", 1000 + uid, 1, T0 - timedelta(days=uid % 10))
        for uid in range(1, 101)
    ]
    index = LeaderboardIndex.build(rows, players, T0)
    assert index.ranked_total == 100
    top = index.page(LeaderboardFilter(), 1).entries[0]
    assert (top.discord_uid, top.letter, top.global_rank) == (100, "S", 1)

    # Day 14 + 1 second after T0: rows whose last game was at T0 or earlier expire.
    later = T0 + timedelta(days=14, seconds=1)
    assert index.refresh(later) == 100
    assert index.ranked_total == 0
    assert index.page(LeaderboardFilter(), 1).entries == ()
    assert index.rank_of(100, "bw_zerg") is None


def test_expiry_moves_letters_of_the_rows_that_stay() -> None:
    players = {uid: PlayerInfo("DE", f"p{uid}") for uid in range(1, 101)}
    # Players 1..50 played a day ago, 51..100 played 13 days ago; higher uid = higher mmr.
    rows = [
        rating(uid, uid, "sc2_terran", 1000 + uid, 3, T0 - timedelta(days=1 if uid <= 50 else 13))
        for uid in range(1, 101)
    ]
    index = LeaderboardIndex.build(rows, players, T0)
    before = index.rank_of(50, "sc2_terran")
    assert before is not None and (before.global_rank, before.letter) == (51, "D")
    assert index.refresh(T0 + timedelta(days=2)) == 50  # nobody played
    after = index.rank_of(50, "sc2_terran")
    assert after is not None
    # 50 ranked rows: no S (1% of 50 floors to 0 and the remainder goes D, C, E), so the top is A.
    assert (after.global_rank, after.ranked_total, after.letter) == (1, 50, "A")


def test_no_cap_on_depth_and_page_clamping() -> None:
    players = {uid: PlayerInfo("US", f"p{uid}") for uid in range(5000)}
    rows = [rating(uid + 1, uid, "bw_terran", 3000 - uid // 2, 1, T0) for uid in range(5000)]
    index = LeaderboardIndex.build(rows, players, T0)
    last = index.page(LeaderboardFilter(), 10_000)
    assert last.page == last.pages == 125
    assert last.entries[-1].global_rank == 5000
    assert index.page(LeaderboardFilter(), 0).page == 1
    spot = index.position_of(4999, LeaderboardFilter())
    assert spot is not None and (spot.position, spot.page) == (5000, 125)


def test_unicode_names_and_unknown_filter_values_are_harmless() -> None:
    players = {1: PlayerInfo("KR", "테란왕"), 2: PlayerInfo("CN", "虫族大师"), 3: PlayerInfo("RU", "Зерг")}
    rows = [rating(i, i, "sc2_zerg", 1500 + i, 1, T0) for i in (1, 2, 3)]
    index = LeaderboardIndex.build(rows, players, T0)
    names = [e.name for e in index.page(LeaderboardFilter(), 1).entries]
    assert names == ["Зерг", "虫族大师", "테란왕"]
    assert index.page(LeaderboardFilter(countries=frozenset({"ZZ"})), 1).total == 0
    assert index.page(LeaderboardFilter(letter="U"), 1).total == 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 500), max_size=300),
    st.lists(st.integers(-5, 505), max_size=60),
    st.sampled_from([4, 16, 1000]),
)
def test_places_of_sorted_keys_equal_bisect_left(values: list[int], keys: list[int], load: int) -> None:
    ordered: SortedList[int] = SortedList(values)
    ordered._reset(load)  # type: ignore[attr-defined]  # small loads: many sublists to walk
    wanted = sorted(keys)
    assert places_of_sorted(ordered, wanted) == [ordered.bisect_left(k) for k in wanted]


def test_a_served_page_is_served_again_only_while_nothing_changed() -> None:
    players = {uid: PlayerInfo("KR", f"p{uid}") for uid in range(1, 51)}
    rows = [rating(uid, uid, "bw_zerg", 1000 + uid, 1, T0 - timedelta(days=uid % 3)) for uid in range(1, 51)]
    index = LeaderboardIndex.build(rows, players, T0)
    flt = LeaderboardFilter(countries=frozenset({"KR"}))
    first = index.page(flt, 1)
    assert index.page(flt, 1) is first  # unchanged index: the same page object
    index.refresh(T0 + timedelta(hours=1))  # time passed, nobody expired: still the same
    assert index.page(flt, 1) is first
    index.upsert(rating(7, 7, "bw_zerg", 2000, 2, T0), T0)  # player 7 jumps to the top
    moved = index.page(flt, 1)
    assert moved is not first and moved.entries[0].discord_uid == 7
    index.set_player(7, PlayerInfo("KR", "renamed"))
    assert index.page(flt, 1).entries[0].name == "renamed"
    # Rows of players 2, 5, ... played two days ago: they leave the board 12 days later.
    index.refresh(T0 + timedelta(days=12, hours=1))
    after = index.page(flt, 1)
    assert after.total == index.page(LeaderboardFilter(), 1).total < 50
    assert all(e.discord_uid % 3 != 2 for e in after.entries)


def test_a_country_group_is_one_more_list_kept_through_every_change() -> None:
    groups = {"TH": OTHER_GROUP, "MN": OTHER_GROUP, "ZZ": OTHER_GROUP}
    now = T0 + timedelta(days=1)
    players = {1: PlayerInfo("TH", "a"), 2: PlayerInfo("ZZ", "b"), 3: PlayerInfo("KR", "c"),
               4: PlayerInfo("MN", "d")}
    rows = [rating(i, i, RACES[i % 2], 1500 + 10 * i, 3, T0) for i in (1, 2, 3, 4)]
    index = LeaderboardIndex(country_groups=groups)
    for uid, info in players.items():
        index.set_player(uid, info)
    for r in rows:
        index.upsert(r, now)

    def uids(flt: LeaderboardFilter) -> list[int]:
        return [e.discord_uid for e in index.page(flt).entries]

    other = LeaderboardFilter(countries=frozenset({OTHER_GROUP}))
    assert uids(other) == [4, 2, 1]
    assert uids(LeaderboardFilter(countries=frozenset({OTHER_GROUP, "KR"}))) == [4, 3, 2, 1]
    assert uids(LeaderboardFilter(races=frozenset({RACES[0]}), countries=frozenset({OTHER_GROUP}))) == [4, 2]
    assert uids(LeaderboardFilter(countries=frozenset({"TH"}))) == [1]  # single countries still work
    position = index.position_of(1, other)
    assert position is not None and position.position == 3
    index.set_player(1, PlayerInfo("KR", "a"))  # moved into a common country: leaves the group
    assert uids(other) == [4, 2] and index.position_of(1, other) is None
    built = LeaderboardIndex.build(rows, {**players, 1: PlayerInfo("KR", "a")}, now)
    assert [e.discord_uid for e in built.page(other).entries] == []  # an index without groups
    grouped = IndexBuilder(now, country_groups=groups)
    grouped.add_players({**players, 1: PlayerInfo("KR", "a")}.items())
    grouped.add_rows(rows)
    assert [e.discord_uid for e in grouped.finish().page(other).entries] == [4, 2]
