"""The ladder's tables (SQLAlchemy Core). Alembic migrations are generated from this metadata.

Naming: ``*_1v1`` tables hold the 1v1 ladder so a later team mode can sit beside them. Discord ids
are BIGINT. Every timestamp is ``UTCDateTime``. Result codes follow DESIGN section 4:
report NULL/0/1/2, -1 aborted (not at fault), -3 this player aborted, -4 did not confirm;
match_result NULL (open), 0 draw, 1/2 winner, -1 aborted/abandoned/invalidated, -2 conflict.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from evoladder.store.types import UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

players = Table(
    "players",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("discord_uid", BigInteger, nullable=False, unique=True),
    Column("discord_username", String(64), nullable=False),
    Column("main_id", String(32)),
    Column("battletag", String(64)),
    Column("alt_ids", JSON, nullable=False, default=list),
    Column("country", String(2)),
    Column("region", String(8)),
    Column("terms_accepted_at", UTCDateTime),
    Column("terms_declined_at", UTCDateTime),
    Column("completed_setup_date", UTCDateTime),
    Column("activated_at", UTCDateTime),
    Column("quickstart_acknowledged_at", UTCDateTime),
    Column("is_banned", Boolean, nullable=False, default=False),
    Column("ban_reason", Text),
    Column("aborts_left", SmallInteger, nullable=False, default=3),
    Column("aborts_period", Integer, nullable=False, default=0),  # YYYYMM the count belongs to
    Column("state", String(16), nullable=False, default="idle"),
    Column("current_match_id", Integer),
    # The player's DM channel with the bot, remembered so a DM needs no channel-creation request
    # (discord.py keeps only 128 DM channels in memory, and none after a restart).
    Column("dm_channel_id", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    # Shows the Discord name and BattleTag on the player's public web page (off unless chosen).
    Column("public_identity", Boolean, nullable=False, default=False, server_default=false()),
    # the language the ladder speaks to the player (evoladder.i18n: en, es, ko, ru, zh-CN)
    Column("language", String(8), nullable=False, server_default="en"),
    CheckConstraint("state IN ('idle', 'queueing', 'in_match')", name="state"),
    Index("ix_players_discord_username", "discord_username"),
)

player_action_logs = Table(
    "player_action_logs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("discord_uid", BigInteger, nullable=False, index=True),
    Column("field", String(32), nullable=False),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("changed_by", String(8), nullable=False),  # player | system | admin
    Column("changed_by_uid", BigInteger),
    Column("changed_at", UTCDateTime, nullable=False, index=True),
    CheckConstraint("changed_by IN ('player', 'system', 'admin')", name="changed_by"),
)

command_calls = Table(
    "command_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("discord_uid", BigInteger, nullable=False, index=True),
    Column("command", String(64), nullable=False, index=True),
    Column("called_at", UTCDateTime, nullable=False, index=True),
    Column("guild_id", BigInteger),
    Column("call_id", String(32), unique=True),  # idempotency key: a replayed batch inserts nothing
)

mmrs_1v1 = Table(
    "mmrs_1v1",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("discord_uid", BigInteger, nullable=False, index=True),
    Column("race", String(16), nullable=False, index=True),
    Column("mmr", Integer, nullable=False, index=True),
    Column("games_played", Integer, nullable=False, default=0),
    Column("games_won", Integer, nullable=False, default=0),
    Column("games_lost", Integer, nullable=False, default=0),
    Column("games_drawn", Integer, nullable=False, default=0),
    Column("last_played", UTCDateTime),
    UniqueConstraint("discord_uid", "race"),
)
# The leaderboard's order: mmr desc, last_played desc, id (DESIGN section 5).
Index(
    "ix_mmrs_1v1_leaderboard",
    mmrs_1v1.c.mmr.desc(),
    mmrs_1v1.c.last_played.desc(),
    mmrs_1v1.c.id,
)

matches_1v1 = Table(
    "matches_1v1",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("player_1_discord_uid", BigInteger, nullable=False, index=True),
    Column("player_2_discord_uid", BigInteger, nullable=False, index=True),
    Column("player_1_race", String(16), nullable=False),
    Column("player_2_race", String(16), nullable=False),
    Column("player_1_mmr", Integer, nullable=False),  # snapshot when the match was made
    Column("player_2_mmr", Integer, nullable=False),
    Column("player_1_report", SmallInteger),
    Column("player_2_report", SmallInteger),
    Column("match_result", SmallInteger),
    Column("mmr_change", Integer),  # the delta applied to player 1 (player 2 got -delta)
    Column("map_played", String(128), nullable=False),
    Column("server_choice", String(8), nullable=False),
    Column("status", String(16), nullable=False),
    Column("played_at", UTCDateTime, nullable=False, index=True),  # when the match was made
    Column("confirm_deadline", UTCDateTime),  # match-wide; NULL when each player's own is used
    # Each player's own confirmation deadline, armed when their "match found" message was
    # delivered (NULL until then): everyone gets the full time however late their DM went out.
    Column("player_1_confirm_deadline", UTCDateTime),
    Column("player_2_confirm_deadline", UTCDateTime),
    Column("player_1_confirmed_at", UTCDateTime),
    Column("player_2_confirmed_at", UTCDateTime),
    Column("confirmed_at", UTCDateTime),
    Column("report_deadline", UTCDateTime),
    Column("player_1_reported_at", UTCDateTime),
    Column("player_2_reported_at", UTCDateTime),
    Column("finalized_at", UTCDateTime),
    Column("resolved_by", BigInteger),
    Column("wave_at", UTCDateTime),
    Column("version", Integer, nullable=False, default=1),
    CheckConstraint("player_1_discord_uid <> player_2_discord_uid", name="two_players"),
    Index("ix_matches_1v1_status", "status"),
)

preferences_1v1 = Table(
    "preferences_1v1",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("discord_uid", BigInteger, nullable=False, unique=True),
    Column("last_chosen_races", JSON, nullable=False, default=list),
    Column("last_chosen_vetoes", JSON, nullable=False, default=list),
    Column("updated_at", UTCDateTime, nullable=False),
)

replays = Table(
    "replays",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("match_id", Integer, ForeignKey("matches_1v1.id"), index=True),
    Column("uploader_uid", BigInteger, nullable=False, index=True),
    Column("hash", String(128), nullable=False, unique=True),
    Column("storage_key", Text, nullable=False),
    Column("size_bytes", Integer, nullable=False),
    Column("uploaded_at", UTCDateTime, nullable=False, index=True),
    Column("date", UTCDateTime, index=True),  # the game's own start time from the replay
    Column("map_name", String(128)),
    Column("official", Boolean),
    Column("critical_ok", Boolean),
    Column("winner_uid", BigInteger),
    Column("parsed", JSON),
    Column("checks", JSON),
)

admin_actions = Table(
    "admin_actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("admin_discord_uid", BigInteger, nullable=False, index=True),
    Column("action_type", String(32), nullable=False, index=True),
    Column("target_player_uid", BigInteger, index=True),
    Column("target_match_id", Integer, index=True),
    Column("reason", Text, nullable=False),
    Column("details", JSON),
    Column("performed_at", UTCDateTime, nullable=False, index=True),
)

queue_entries = Table(
    "queue_entries",
    metadata,
    Column("discord_uid", BigInteger, primary_key=True, autoincrement=False),
    Column("bw_race", String(16)),
    Column("sc2_race", String(16)),
    Column("vetoes", JSON, nullable=False, default=list),
    Column("waits", Integer, nullable=False, default=0),
    Column("joined_at", UTCDateTime, nullable=False),
    # Facts about the player's history taken once at join (they cannot change while queued), so
    # a wave needs no history query: the last opponent (no immediate rematch) and recent maps.
    Column("last_opponent", BigInteger),
    Column("recent_maps", JSON, nullable=False, default=list),
    CheckConstraint("bw_race IS NOT NULL OR sc2_race IS NOT NULL", name="one_race"),
)

scheduled_jobs = Table(
    "scheduled_jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("match_id", Integer),
    Column("discord_uid", BigInteger),
    Column("due_at", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime),
    Column("payload", JSON),
    # match_id first: the constraint's index also serves the lookups by match (a wave writes a
    # row per match, so one index fewer to maintain per row counts).
    UniqueConstraint("match_id", "kind", "discord_uid"),
    Index("ix_scheduled_jobs_pending", "done_at", "due_at"),
)

activation_codes = Table(
    "activation_codes",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("batch", String(32), nullable=False, index=True),
    Column("created_by", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("redeemed_by", BigInteger, unique=True),
    Column("redeemed_at", UTCDateTime),
)

admins = Table(
    "admins",
    metadata,
    Column("discord_uid", BigInteger, primary_key=True, autoincrement=False),
    Column("role", String(8), nullable=False),  # admin | owner
    Column("added_by", BigInteger),
    Column("added_at", UTCDateTime, nullable=False),
    CheckConstraint("role IN ('admin', 'owner')", name="role"),
)

bot_messages = Table(
    "bot_messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("channel_id", BigInteger, nullable=False),
    Column("message_id", BigInteger, nullable=False, unique=True),
    Column("discord_uid", BigInteger, nullable=False, index=True),
    Column("match_id", Integer, index=True),
    Column("kind", String(32), nullable=False),
    Column("created_at", UTCDateTime, nullable=False, index=True),
    Column("deleted_at", UTCDateTime),
)

# What an import from another ladder (EvoLadderBot) has brought so far: per peer table, the
# highest peer id written, in the same transaction as the rows, so a re-run (or a run after a
# crash) starts after it and never writes a row twice. Tables keyed by something natural
# (players, ratings, preferences) need no mark: their unique keys refuse a second copy.
peer_import_marks = Table(
    "peer_import_marks",
    metadata,
    Column("source", String(32), primary_key=True),  # "evoladderbot"
    Column("step", String(32), primary_key=True),  # the peer table
    Column("last_peer_id", BigInteger, nullable=False),
    Column("rows_written", BigInteger, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),  # "match_found", or the event's type name
    Column("discord_uid", BigInteger),  # the player told (NULL: an event told to several)
    Column("match_id", Integer),
    Column("payload", JSON),  # the encoded event (NULL: built from the match row at delivery)
    Column("created_at", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime),
    Column("attempts", Integer, nullable=False, default=0),
    Index("ix_outbox_pending", "done_at", "id"),
)

# --- rating history, seasons, SC2 account handles -------------------------------------------------

seasons = Table(
    "seasons",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(64), nullable=False),
    Column("map_pool", String(32), nullable=False),  # a season code of the game data's maps.json
    Column("started_at", UTCDateTime, nullable=False, index=True),
    Column("ended_at", UTCDateTime),  # NULL while current: exactly one row has none
)

# One row per change of a rating, written in the transaction of the change. The chart reads one
# (player, race) in ``id`` order, which is the order the changes were applied in.
HISTORY_KINDS = ("match", "reversal", "resolve", "adjust", "season_reset", "baseline")
rating_history_1v1 = Table(
    "rating_history_1v1",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("discord_uid", BigInteger, nullable=False),
    Column("race", String(16), nullable=False),
    Column("season_id", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("match_id", Integer, index=True),
    Column("rating_before", Integer, nullable=False),
    Column("rating_after", Integer, nullable=False),
    Column("expected", Float),  # the match's expected score for this player (None off a match)
    Column("at", UTCDateTime, nullable=False),
    CheckConstraint(
        "kind IN ('match', 'reversal', 'resolve', 'adjust', 'season_reset', 'baseline')", name="kind"
    ),
    # Covers the chart's read (the columns it shows come from the index, not 3,000 table pages).
    Index("ix_rating_history_1v1_rating", "discord_uid", "race", "id", "season_id", "rating_after", "at"),
)

# A closed season's final board: every rating row that had a game in the season, ranked or not.
season_standings_1v1 = Table(
    "season_standings_1v1",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("season_id", Integer, nullable=False),
    Column("discord_uid", BigInteger, nullable=False, index=True),
    Column("race", String(16), nullable=False),
    Column("global_rank", Integer),  # NULL: unranked at the close (letter U)
    Column("letter", String(1), nullable=False),
    Column("best", Boolean, nullable=False),  # the player's best-placed ranked race of the season
    Column("mmr", Integer, nullable=False),
    Column("games_won", Integer, nullable=False),
    Column("games_lost", Integer, nullable=False),
    Column("games_drawn", Integer, nullable=False),
    Column("last_played", UTCDateTime),
    UniqueConstraint("season_id", "discord_uid", "race"),
    Index("ix_season_standings_1v1_board", "season_id", "global_rank"),
)

# The SC2 accounts (toon handles, e.g. "2-S2-1-5450450") seen in each player's verified replays.
toon_handles = Table(
    "toon_handles",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("toon_handle", String(64), nullable=False),
    Column("discord_uid", BigInteger, nullable=False, index=True),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("replays", Integer, nullable=False, default=1),
    UniqueConstraint("toon_handle", "discord_uid"),
)

# Handles admins recorded as a map's own dependencies (``/admin map_dependency``): with the game
# data's, they make the mod verdict exact for that map (``evoladder.domain.replays``). The handle
# is the content hash (a file is the same whichever depot served it); who, when and from which
# match are kept here, the reason in ``admin_actions``.
map_dependencies = Table(
    "map_dependencies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("map_name", String(128), nullable=False),
    Column("handle", String(64), nullable=False),
    Column("recorded_by", BigInteger, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    Column("match_id", Integer),
    UniqueConstraint("map_name", "handle"),
)
