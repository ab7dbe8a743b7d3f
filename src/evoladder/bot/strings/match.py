"""Text of match notifications, the match message and the admin log.

``{deadline}`` placeholders receive a Discord timestamp (``<t:…:R>``), which each reader's client
shows in their own language and time zone.
"""

from __future__ import annotations

# --- the match message (one per player, edited as the match moves on) -----------------------
FOUND_TITLE = "Match found: #{match_id}"
FOUND_BODY = (
    "You play **{race}** against a **{opponent_race}** player.\n"
    "Confirm {deadline} to play. The opponent, map and server appear once both of you confirmed."
)
CONFIRM_LABEL = "Confirm"
ABORT_LABEL = "Abort ({left} left this month)"
ABORT_CONFIRM_LABEL = "Yes, abort the match"
ABORT_QUESTION = (
    "Abort match #{match_id}? This uses one of your aborts for this month "
    "({left} left) and your opponent is not charged."
)
ABORT_DONE = "Match #{match_id} aborted."
CONFIRMED_WAITING = "You confirmed match #{match_id}. Waiting for your opponent…"

DETAILS_TITLE = "Match #{match_id}: {race} vs {opponent_race}"
DETAILS_INTRO = (
    "Both players confirmed. Play the game with these settings, then upload the replay here "
    "and report the result with the menu below."
)
FIELD_OPPONENT = "Opponent"
OPPONENT_LINE = "**{name}** ({country}) · {mmr} MMR"
FIELD_BATTLETAG = "BattleTag"
FIELD_DISCORD = "Discord"
FIELD_ALT_IDS = "Also plays as"
FIELD_MAP = "Map"
# battle.net links (``battlenet:://…``) are not web links: Discord would not make them clickable,
# so they are shown as code, to copy into the game's chat, where they open the map or the mod.
MAP_LINE = "**{short_name}** ({name})"
MAP_WITH_LINK = "**{short_name}** ({name})\n`{link}`"
FIELD_SERVER = "Server"
SERVER_LINE = "{name} ({region})"
FIELD_MOD = "Mod"
MOD_LINE = "**SC: Evo Complete** (official)\n`{link}`"
FIELD_REPLAYS = "Replays"  # the replay upload flow sets this field's value as replays arrive
REPLAYS_NONE = "None yet: after the game, upload the .SC2Replay file in this DM."
FIELD_LOBBY = "Lobby settings"
LOBBY_LINE = "{name}: **{value}**"
FIELD_REPORT_BY = "Report by"
FIELD_YOUR_SLOT = "You are"
SLOT_LINE = "Player {slot}"
UNKNOWN = "—"

# --- reporting (the select on the details, then a question with Confirm) ---------------------
RESULT_PLACEHOLDER = "Report the result after the game"
RESULT_WON = "Player {slot} won: {name} ({race})"
RESULT_DRAW = "Draw"
YOU = "you"
REPORT_QUESTION = (
    "Report match #{match_id} as **{choice}**? Your opponent reports too: equal reports make the "
    "result final, different ones go to an admin."
)
REPORT_CONFIRM_LABEL = "Confirm result"
REPORTED_WAITING = (
    "You reported match #{match_id}: **{outcome}**. Waiting for your opponent's report; "
    "if they have not reported {deadline}, yours counts."
)
REPORTED_FINAL = "You reported match #{match_id}: **{outcome}**. Both reports agree: the result is final."
REPORTED_CONFLICT = (
    "You reported match #{match_id}: **{outcome}**. Your opponent reported something else, "
    "so an admin will decide. No rating changed for now."
)

# --- ends, as the player reads them -----------------------------------------------------------
OUTCOME_WON = "you won"
OUTCOME_LOST = "you lost"
OUTCOME_DRAW = "a draw"
RESULT_FINAL = "Match #{match_id} is final: **{outcome}**. Your {race} rating: {after} ({shift:+d})."
RESULT_CHANGED = (
    "An admin changed the result of match #{match_id} to **{outcome}** ({reason}). "
    "Your {race} rating: {after} ({shift:+d})."
)
CONFLICT = (
    "The reports of match #{match_id} disagree. An admin will look at it; "
    "no rating changed for now and you can queue again."
)
ABORTED_BY_YOU = "You aborted match #{match_id}. Aborts left this month: {left}. No rating changed."
ABORTED_BY_OPPONENT = (
    "Your opponent aborted match #{match_id}. No rating changed and none of your aborts was used."
)
CANCELLED = "Match #{match_id} was cancelled. No rating changed."
ABANDONED_YOU_LATE = (
    "Match #{match_id} was cancelled: you did not confirm in time. No rating changed and no abort was used."
)
ABANDONED_OPPONENT_LATE = (
    "Match #{match_id} was cancelled: your opponent did not confirm in time. No rating changed."
)
ABANDONED_NOT_REPORTED = (
    "Match #{match_id} was closed: nobody reported a result before the deadline. No rating changed."
)
INVALIDATED = "An admin invalidated match #{match_id} ({reason}). Any rating change it made was reversed."
REMINDER = "Match #{match_id} is waiting for your confirmation. It expires {deadline}."
OPPONENT_CONFIRMED = "Your opponent confirmed match #{match_id}."
OPPONENT_REPORTED = (
    "Your opponent reported match #{match_id}: **{outcome}**. Please report too before {deadline}; "
    "if you don't, their report counts."
)
DEADLINE_WARNING = "Match #{match_id} has no result from you yet. Please report before {deadline}."
DEADLINE_WARNING_OPPONENT = (
    "Match #{match_id}: your opponent reported **{outcome}**. Please report before {deadline}; "
    "if you don't, their report counts."
)
REMOVED_FROM_QUEUE = "An admin removed you from the queue ({reason})."

# --- the match message's final states (replaces the buttons) ----------------------------------
CLOSED_TITLE = "Match #{match_id}: {status}"
STATUS_FINAL = "final"
STATUS_CONFLICT = "waiting for an admin"
STATUS_ABORTED = "aborted"
STATUS_ABANDONED = "cancelled"
STATUS_INVALIDATED = "invalidated"

# --- the admin log ----------------------------------------------------------------------------
ADMIN_RESULT = {
    0: "draw",
    1: "{p1} won",
    2: "{p2} won",
}
ADMIN_FINAL = (
    "Match #{match_id} final: {p1} ({race_1}) vs {p2} ({race_2}): {result}. "
    "Rating change {shift:+d} / {neg_shift:+d} (by {source})."
)
ADMIN_REFINAL = (
    "Match #{match_id} re-resolved by {admin}: {result} (was {previous}). Reason: {reason}. "
    "Shift {shift:+d} / {neg_shift:+d}."
)
ADMIN_CONFLICT = (
    "{staff}Match #{match_id} needs an admin: {p1} reported {report_1}, {p2} reported {report_2}."
)
ADMIN_ABORTED = "Match #{match_id} aborted by {who} ({reason})."
ADMIN_ABANDONED = "Match #{match_id} abandoned ({reason})."
ADMIN_INVALIDATED = "Match #{match_id} invalidated by {admin}: {reason}. Shift {shift:+d} / {neg_shift:+d}."
REPORT_NONE = "nothing"
REPORT_TEXT = {
    0: "a draw",
    1: "player 1 won",
    2: "player 2 won",
    -1: "aborted",
    -3: "aborted",
    -4: "no confirm",
}
SOURCE_TEXT = {
    "reports": "both reports",
    "deadline": "the deadline",
    "replay": "a replay",
    "admin": "an admin",
}
ABANDON_REASON = {"not_confirmed": "not confirmed in time", "not_reported": "no report before the deadline"}
ABORT_REASON = {"player": "player's abort", "banned": "ban"}
