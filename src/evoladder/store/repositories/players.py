"""Players and their field-change log."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import case, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping

from evoladder.domain.players import ABORTS_PER_MONTH, ChangedBy, Player, PlayerState, month_key
from evoladder.store.repositories.base import Repository
from evoladder.store.schema import player_action_logs, players


def player_from_row(row: RowMapping) -> Player:
    return Player(
        id=row["id"],
        discord_uid=row["discord_uid"],
        discord_username=row["discord_username"],
        main_id=row["main_id"],
        battletag=row["battletag"],
        alt_ids=tuple(row["alt_ids"] or ()),
        country=row["country"],
        region=row["region"],
        terms_accepted_at=row["terms_accepted_at"],
        terms_declined_at=row["terms_declined_at"],
        completed_setup_date=row["completed_setup_date"],
        activated_at=row["activated_at"],
        quickstart_acknowledged_at=row["quickstart_acknowledged_at"],
        is_banned=bool(row["is_banned"]),
        ban_reason=row["ban_reason"],
        aborts_left=row["aborts_left"],
        aborts_period=row["aborts_period"],
        state=PlayerState(row["state"]),
        current_match_id=row["current_match_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
        public_identity=bool(row["public_identity"]),
        language=row["language"],
    )


class PlayerIdentity(NamedTuple):
    """What the leaderboard shows of a player: read at start-up for every player (a cheap tuple)."""

    discord_uid: int
    discord_username: str
    main_id: str | None
    country: str | None
    is_banned: bool


@dataclass(frozen=True, slots=True)
class PlayerCounts:
    """Ladder-wide counts for the admin snapshot (one aggregate query)."""

    total: int
    terms_accepted: int
    setup_complete: int
    activated: int
    banned: int
    queueing: int
    in_match: int


class PlayerRepository(Repository):
    async def get(self, discord_uid: int, *, for_update: bool = False) -> Player | None:
        stmt = select(players).where(players.c.discord_uid == discord_uid)
        if for_update:
            stmt = stmt.with_for_update()
        row = (await self.conn.execute(stmt)).mappings().first()
        return player_from_row(row) if row else None

    async def get_many(self, discord_uids: Iterable[int]) -> dict[int, Player]:
        uids = list(discord_uids)
        if not uids:
            return {}
        rows = (await self.conn.execute(select(players).where(players.c.discord_uid.in_(uids)))).mappings()
        return {r["discord_uid"]: player_from_row(r) for r in rows}

    async def dm_channel(self, discord_uid: int) -> int | None:
        stmt = select(players.c.dm_channel_id).where(players.c.discord_uid == discord_uid)
        value = (await self.conn.execute(stmt)).scalar_one_or_none()
        return int(value) if value is not None else None

    async def set_dm_channel(self, discord_uid: int, channel_id: int) -> bool:
        """Remember the player's DM channel (not a change of the player record: no version bump,
        no cache invalidation); False when there is no such player yet."""
        result = await self.conn.execute(
            update(players).where(players.c.discord_uid == discord_uid).values(dm_channel_id=channel_id)
        )
        return result.rowcount == 1

    async def find_by_username(self, username: str) -> list[Player]:
        stmt = select(players).where(func.lower(players.c.discord_username) == username.lower())
        return [player_from_row(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def insert(
        self, discord_uid: int, username: str, now: datetime, aborts_period: int, language: str = "en"
    ) -> Player:
        await self.conn.execute(
            insert(players).values(
                language=language,
                discord_uid=discord_uid,
                discord_username=username,
                alt_ids=[],
                is_banned=False,
                aborts_left=3,
                aborts_period=aborts_period,
                state=PlayerState.IDLE.value,
                created_at=now,
                updated_at=now,
                version=1,
            )
        )
        player = await self.get(discord_uid)
        assert player is not None
        return player

    async def insert_if_absent(
        self, discord_uid: int, username: str, now: datetime, language: str = "en"
    ) -> bool:
        """Create the record unless it exists; True when this call created it.

        ``ON CONFLICT DO NOTHING`` makes two first contacts at the same instant (two interactions
        of a new player) safe: one inserts, the other sees the row, neither fails.
        """
        values = {
            "language": language,
            "discord_uid": discord_uid,
            "discord_username": username,
            "alt_ids": [],
            "is_banned": False,
            "aborts_left": ABORTS_PER_MONTH,
            "aborts_period": month_key(now),
            "state": PlayerState.IDLE.value,
            "created_at": now,
            "updated_at": now,
            "version": 1,
        }
        dialect_insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert
        stmt = dialect_insert(players).values(**values).on_conflict_do_nothing(
            index_elements=["discord_uid"]
        )
        result = await self.conn.execute(stmt)
        return bool(result.rowcount)

    async def find_by_name(self, name: str) -> list[Player]:
        """Players whose Discord username, main id or BattleTag equals ``name``, ignoring case, or
        whose BattleTag's name part does (``Alice`` finds ``Alice#1234``; admin lookup)."""
        folded = name.lower()
        battletag = func.lower(players.c.battletag)
        by_tag = battletag == folded
        if "#" not in folded:
            by_tag = or_(by_tag, battletag.startswith(folded + "#", autoescape=True))
        stmt = (
            select(players)
            .where(
                or_(
                    func.lower(players.c.discord_username) == folded,
                    func.lower(players.c.main_id) == folded,
                    by_tag,
                )
            )
            .order_by(players.c.discord_uid)
            .limit(25)
        )
        return [player_from_row(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def identity_batches(self, batch: int = 10_000) -> AsyncIterator[list[PlayerIdentity]]:
        """Every player's display identity, streamed in lists (the leaderboard build at start-up)."""
        stmt = select(
            players.c.discord_uid, players.c.discord_username, players.c.main_id,
            players.c.country, players.c.is_banned,
        ).execution_options(yield_per=batch)
        result = await self.conn.stream(stmt)
        async for part in result.partitions(batch):
            yield [PlayerIdentity(u, name, main, country, bool(b)) for u, name, main, country, b in part]

    async def counts(self) -> PlayerCounts:
        def count_if(condition: Any) -> Any:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        stmt = select(
            func.count(),
            count_if(players.c.terms_accepted_at.is_not(None)),
            count_if(players.c.completed_setup_date.is_not(None)),
            count_if(players.c.activated_at.is_not(None)),
            count_if(players.c.is_banned.is_(True)),
            count_if(players.c.state == PlayerState.QUEUEING.value),
            count_if(players.c.state == PlayerState.IN_MATCH.value),
        ).select_from(players)
        row = (await self.conn.execute(stmt)).one()
        return PlayerCounts(*(int(v) for v in row))

    async def consume_abort(self, discord_uid: int, now: datetime) -> bool:
        """Use one abort of the current UTC month, applying the monthly reset in the same UPDATE.

        False when none is left. One statement, so two aborts racing cannot both take the last one;
        a stored count from an earlier month counts as a full allowance (the lazy reset).
        """
        period = month_key(now)
        same_month = players.c.aborts_period == period
        result = await self.conn.execute(
            update(players)
            .where(players.c.discord_uid == discord_uid, or_(~same_month, players.c.aborts_left > 0))
            .values(
                aborts_left=case((same_month, players.c.aborts_left - 1), else_=ABORTS_PER_MONTH - 1),
                aborts_period=period,
                updated_at=now,
                version=players.c.version + 1,
            )
        )
        return result.rowcount == 1

    async def update(self, discord_uid: int, now: datetime, **fields: Any) -> None:
        """Change fields and bump the row version (so concurrent writers can be detected)."""
        values = {k: (v.value if isinstance(v, PlayerState) else v) for k, v in fields.items()}
        if "alt_ids" in values:
            values["alt_ids"] = list(values["alt_ids"])
        await self.conn.execute(
            update(players)
            .where(players.c.discord_uid == discord_uid)
            .values(**values, updated_at=now, version=players.c.version + 1)
        )

    async def count(self) -> int:
        return int((await self.conn.execute(select(func.count()).select_from(players))).scalar_one())

    async def in_state(self, state: PlayerState) -> list[Player]:
        stmt = select(players).where(players.c.state == state.value)
        return [player_from_row(r) for r in (await self.conn.execute(stmt)).mappings()]

    async def log_changes(
        self,
        discord_uid: int,
        changes: Mapping[str, tuple[object, object]],
        changed_by: ChangedBy,
        changed_by_uid: int | None,
        now: datetime,
    ) -> None:
        """One player_action_logs row per changed field (old and new as text)."""
        rows = [
            {
                "discord_uid": discord_uid,
                "field": field,
                "old_value": _text(old),
                "new_value": _text(new),
                "changed_by": changed_by.value,
                "changed_by_uid": changed_by_uid,
                "changed_at": now,
            }
            for field, (old, new) in changes.items()
            if old != new
        ]
        if rows:
            await self.conn.execute(insert(player_action_logs), rows)

    async def action_logs(self, discord_uid: int) -> list[RowMapping]:
        stmt = (
            select(player_action_logs)
            .where(player_action_logs.c.discord_uid == discord_uid)
            .order_by(player_action_logs.c.id)
        )
        return list((await self.conn.execute(stmt)).mappings())


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)
