"""Text of /admin: command and option descriptions, answers, confirmations and the files.

Descriptions are short on purpose: Discord caps the whole /admin command (every subcommand's
name, description, options and choices together) at 4,000 characters.
"""

from __future__ import annotations

# --- the command and its options --------------------------------------------------------------
GROUP_DESCRIPTION = "Ladder admin tools (admins only)"

SNAPSHOT_DESCRIPTION = "Ladder health: players, queue, matches, cache, latency"
PLAYER_DESCRIPTION = "A player's identity, status, MMR, matches and admin actions"
MATCH_DESCRIPTION = "A match in full: players, reports, result, timeline, replays"
RESOLVE_DESCRIPTION = "Decide a match: player 1, player 2, draw or invalidate"
ADJUST_MMR_DESCRIPTION = "Set or shift a player's MMR for one race"
REMOVE_QUEUE_DESCRIPTION = "Take a player out of the queue (they are told)"
UNBLOCK_DESCRIPTION = "Free a player stuck queueing or in a match that is gone"
BAN_DESCRIPTION = "Ban a player (ends their queue entry and open match)"
UNBAN_DESCRIPTION = "Lift a player's ban"
RESET_ABORTS_DESCRIPTION = "Give a player this month's aborts back"
CLEAR_QUEUE_DESCRIPTION = "Remove everyone from the queue (each is told)"
CODES_CREATE_DESCRIPTION = "Create a batch of activation codes"
CODES_LIST_DESCRIPTION = "Code batches, or the unused codes of one batch"
ADMINS_DESCRIPTION = "List the admins and owners"
ADMIN_ADD_DESCRIPTION = "Make a user an admin (owners only)"
ADMIN_REMOVE_DESCRIPTION = "Take a user's admin role away (owners only)"

OPT_PLAYER = "Discord id, @mention, username or main id"
OPT_REASON = "Why (kept in the audit log)"
OPT_USER = "The player, picked as a Discord user"
OPT_UID = "The player's Discord id"
OPT_NAME = "Discord username or in-game main id"
OPT_MATCH_ID = "Match number"
OPT_OUTCOME = "The result that will count"
OPT_RACE = "The race whose MMR changes"
OPT_VALUE = "The new MMR"
OPT_DELTA = "Or: the change, e.g. -50"
OPT_COUNT = "How many codes"
OPT_BATCH = "Batch name (empty: list the batches)"
OPT_STAFF = "Discord id or @mention"

OUTCOME_CHOICES = (
    ("Player 1 (BW side) wins", "player_1"),
    ("Player 2 (SC2 side) wins", "player_2"),
    ("Draw", "draw"),
    ("Invalidate (no result)", "invalidate"),
)

# --- option errors ----------------------------------------------------------------------------
ONE_PLAYER_OPTION = "Give exactly one of **user**, **uid** or **username**."
ONE_MMR_OPTION = "Give exactly one of **value** (the new MMR) or **delta** (the change)."
NOT_A_USER_ID = "That is not a Discord id or an @mention."

# --- confirmations ----------------------------------------------------------------------------
CONFIRM_LABEL = "Confirm"
CANCEL_LABEL = "Cancel"
CONFIRM_FOOTER = "Only you can confirm. Nothing changes until you do."
NOT_YOUR_CONFIRMATION = "Only the admin who asked can use these buttons. Nothing was changed."
ALREADY_ANSWERED = "This confirmation was already answered."
CANCELLED = "Cancelled. Nothing was changed."
NOT_DONE = "Not done: {message}"
REASON_LINE = "Reason: {reason}"

RESOLVE_QUESTION = "**Resolve match #{match_id} as: {outcome}?**"
RESOLVE_NOW = "Now: {status}."
RESOLVE_RATINGS = (
    "Ratings: {p1} {shift_1:+d}, {p2} {shift_2:+d} (a difference: later games keep their effect)."
)
RESOLVE_NO_RATINGS = "Ratings: no change."
RESOLVE_DONE = "Done: match #{match_id} is now **{status}**{result}. Both players are told."
RESOLVE_RESULT = " ({result}, MMR change {shift:+d} / {neg:+d})"

MMR_QUESTION = "**Change {name}'s {race} MMR from {before} to {after} ({shift:+d})?**"
MMR_NO_ROW = "They have no {race} rating yet: it is created at {before} first."
MMR_DONE = "Done: {name}'s {race} MMR is now {after} (was {before})."

BAN_QUESTION = "**Ban {name} (`{uid}`)?**"
BAN_QUEUED = "They are in the queue: the entry is removed and they are told."
BAN_IN_MATCH = "They are in open match #{match_id}: it ends (no abort used) and the opponent is told."
BAN_BUTTONS = "Their commands and buttons stop working at once."
BAN_DONE = "Done: {name} is banned."

CLEAR_QUESTION = "**Remove all {count} queued players from the queue?** Each one is told, with your reason."
CLEAR_DONE = "Done: {count} players removed from the queue and told."

# --- immediate actions ------------------------------------------------------------------------
REMOVED_DONE = "Done: {name} was removed from the queue and told why."
UNBLOCK_DONE = "Done: {name} was stuck ({state}{match}); now idle and can queue again."
UNBLOCK_MATCH = ", match #{match_id} is closed"
UNBAN_DONE = "Done: {name} is no longer banned."
RESET_ABORTS_DONE = "Done: {name} has {left} aborts again this month."
ADMIN_ADDED = "Done: {user} is now an admin."
ADMIN_REMOVED = "Done: {user} is no longer an admin."

CODES_CREATED = "Created {count} activation codes in batch `{batch}`. Each works once."
CODES_UNUSED = "Batch `{batch}`: {count} unused codes."
CODES_NONE_UNUSED = "Batch `{batch}` has no unused codes (or does not exist)."
CODES_ALL_IN_FILE = "All of them are in the attached file."
CODES_BATCHES_TITLE = "Activation code batches (newest first)"
CODES_BATCH_LINE = "`{batch}` · {unused}/{total} unused · by {by} {when}"
CODES_NO_BATCHES = "No activation codes were created yet. Use /admin codes_create."
CODES_FILE = "activation-codes-{batch}.txt"
CODES_INLINE_MAX = 20

# --- snapshot ---------------------------------------------------------------------------------
SNAPSHOT_TITLE = "Ladder snapshot"
FIELD_PLAYERS = "Players"
PLAYERS_VALUE = (
    "{total} players · {terms} accepted the terms · {setup} set up · {activated} activated · "
    "{banned} banned\n{queueing} queueing · {in_match} in a match · {ranked} ranked rows · {admins} staff"
)
FIELD_QUEUE = "Queue"
QUEUE_VALUE = (
    "{total} queued (BW {bw} · SC2 {sc2} · both {both})\n"
    "Next wave {next_wave} · {active} players active in the last 15 min"
)
LAST_WAVE = "\nLast wave {when}: {queued} queued, {matched} matched"
FIELD_MATCHES = "Matches"
MATCHES_VALUE = (
    "{open} open ({found} waiting for confirmation, {confirmed} being played) · {conflict} conflicts"
)
FIELD_CACHE = "Player cache"
CACHE_VALUE = "{cached} cached · {hits} hits · {misses} misses · hit rate {rate:.1f}% · TTL {ttl:g} s"
FIELD_LATENCY = "Command latency since start (p50 / p95 / p99)"
LATENCY_LINE = "`/{command}` {count}× · {p50:.1f} / {p95:.1f} / {p99:.1f} ms"
LATENCY_NONE = "No command has finished yet."
LATENCY_NOTE = "Estimated from the timing histograms (bucket precision)."

# --- player file ------------------------------------------------------------------------------
PLAYER_TITLE = "Player: {name}"
PLAYER_HEADER = "{mention} · `{uid}` · Discord name **{username}**"
SEVERAL_PLAYERS = "{count} players match. Look one up by its Discord id:"
SEVERAL_LINE = "`{uid}` · **{name}** ({username}) · {state}"
FIELD_IDENTITY = "Identity"
IDENTITY_VALUE = (
    "Main id: {main_id}\nBattleTag: {battletag}\nAlt ids: {alt_ids}\nCountry: {country} · Region: {region}"
)
FIELD_STATUS = "Status"
STATUS_TERMS = "Terms: {value}"
STATUS_SETUP = "Setup: {value}"
STATUS_ACTIVATED = "Activated: {value}"
STATUS_BANNED = "**Banned**: {reason}"
STATUS_STATE = "State: {state}"
STATUS_ABORTS = "Aborts left this month: {left}"
STATUS_SINCE = "Known since {when}"
STATE_TEXT = {"idle": "idle", "queueing": "queueing", "in_match": "in match #{match_id}"}
NOT_YET = "not yet"
NONE = "—"
FIELD_MMR = "MMR"
MMR_LINE = "**{race}** {mmr} · {rank} · {games} games ({wins}-{losses}-{draws}) · last {last}"
RANK_TEXT = "rank {rank} ({letter})"
UNRANKED = "unranked"
NO_RATINGS = "No ratings yet."
FIELD_RECENT = "Recent matches"
RECENT_LINE = "#{match_id} {when} vs **{opponent}** · {race} vs {opponent_race} · {result}"
NO_MATCHES = "No matches yet."
FIELD_ACTIONS = "Admin actions"
ACTION_LINE = "{when} **{action}** by {admin}: {reason}"
NO_ACTIONS = "None."

RESULT_WON = "won"
RESULT_LOST = "lost"
RESULT_DRAW = "draw"
SHIFT = " ({shift:+d})"

# --- match file -------------------------------------------------------------------------------
MATCH_TITLE = "Match #{match_id} · {status}"
MATCH_HEADER = "Map **{map}** · server {server}"
FIELD_SLOT = "Player {slot} ({side})"
SLOT_VALUE = "**{name}** {mention}\n{race} · {mmr} MMR at start\nConfirmed: {confirmed}\nReport: {report}"
FIELD_RESULT = "Result"
RESULT_OPEN = "open (no result yet)"
RESULT_CONFLICT = "conflict: the reports disagree, waiting for an admin"
RESULT_CANCELLED = "no result ({status})"
RESULT_WINNER = "{name} won (player {slot})"
RESULT_DRAW_TEXT = "draw"
MMR_CHANGE = "\nMMR change applied: {p1} {shift:+d}, {p2} {neg:+d}"
RESOLVED_BY = "\nLast decided by {admin}"
FIELD_TIMELINE = "Timeline"
TIMELINE_LINE = "{when} {what}"
FIELD_REPLAY = "Replay {index} · from {uploader}"
REPLAY_HEAD = "{when} · {size} · `{hash}` · {attached}"
REPLAY_ATTACHED = "attached"
REPLAY_NOT_ATTACHED = "too large to attach here"
REPLAY_MISSING = "file missing from storage"
REPLAY_NO_STORAGE = "file not available"
REPLAY_UNCHECKED = "Not verified yet."
CHECK_PASS = "✅"
CHECK_WARN = "⚠️"
CHECK_FAIL = "❌"
CHECK_LINE = "{mark} {message}"
NO_REPLAYS = "No replay uploaded."
FIELD_REPLAYS = "Replays"
REPORT_TEXT = {
    None: "none yet",
    0: "draw",
    1: "player 1 won",
    2: "player 2 won",
    -1: "not at fault (aborted/abandoned)",
    -3: "aborted by this player",
    -4: "did not confirm",
}
STATUS_TEXT = {
    "found": "waiting for confirmation",
    "confirmed": "being played",
    "final": "final",
    "conflict": "conflict",
    "aborted": "aborted",
    "abandoned": "abandoned",
    "invalidated": "invalidated",
}
TIMELINE = {
    "played_at": "match found",
    "confirm_deadline": "confirmation deadline",
    "confirmed_1_at": "player 1 confirmed",
    "confirmed_2_at": "player 2 confirmed",
    "confirmed_at": "details revealed",
    "report_deadline": "reporting deadline",
    "reported_1_at": "player 1 reported",
    "reported_2_at": "player 2 reported",
    "finalized_at": "closed ({status})",
}
ACTION_TIMELINE = "{action} by {admin}: {reason}"
SIDE_BW = "BW side"
SIDE_SC2 = "SC2 side"

# --- admins -----------------------------------------------------------------------------------
ADMINS_TITLE = "Staff"
FIELD_OWNERS = "Owners (from the settings)"
FIELD_ADMINS = "Admins"
STAFF_LINE = "{mention} · `{uid}`{name}"

TRUNCATED = "\n…"
