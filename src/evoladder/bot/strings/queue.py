"""Text of /queue: the quick-start guide, the queue view and the searching view.

``{next_wave}`` and ``{since}`` receive Discord timestamps (``<t:…:R>``): each reader's client
shows them in their own language and time zone, and keeps counting down without any edit.
"""

from __future__ import annotations

QUEUE_DESCRIPTION = "Pick your races and map vetoes, then search for a ranked match"

# --- the quick-start guide (shown until acknowledged once) ------------------------------------
GUIDE_TITLE = "Before your first ladder match"
GUIDE_BODY = (
    "**1. Pick races.** One Brood War race, one StarCraft II race, or both: Brood War players "
    "only meet StarCraft II players. With both, you can be matched on either side.\n"
    "**2. Veto maps.** Up to {max_vetoes} maps of this season you never want to play.\n"
    "**3. Wait for a wave.** Every {interval} seconds the ladder pairs players of similar rating. "
    "When you are matched I send you a message: **confirm within {confirm} seconds**, or the "
    "match is cancelled.\n"
    "**4. Play.** Once both of you confirmed you get the opponent, their BattleTag, the map and "
    "the server. Create or join the lobby with the official **SC: Evo Complete** mod and these "
    "settings: privacy Normal, speed Faster, duration Infinite, locked alliances Yes.\n"
    "**5. Report.** Upload the replay in this DM and report the result (player 1 won, player 2 "
    "won, or draw). Equal reports count at once; if they disagree an admin decides.\n"
    "**Can't play?** Abort the match: {aborts} aborts per calendar month, your opponent is not "
    "charged."
)
GUIDE_ACK_LABEL = "Got it, show the queue"

# --- the queue view -----------------------------------------------------------------------------
VIEW_TITLE = "Queue for a ranked match"
VIEW_INTRO = "Pick at least one race, veto up to {max_vetoes} maps if you like, then press **Join**."
FIELD_BW = "Brood War race"
FIELD_SC2 = "StarCraft II race"
FIELD_VETOES = "Vetoed maps"
NOT_PLAYING = "not playing"
NO_VETOES = "none"
NEED_A_RACE = "Pick at least one race to join."
BW_PLACEHOLDER = "Brood War race"
SC2_PLACEHOLDER = "StarCraft II race"
VETO_PLACEHOLDER = "Veto up to {max_vetoes} maps (optional)"
NO_BW_RACE = "No Brood War race"
NO_SC2_RACE = "No StarCraft II race"
JOIN_LABEL = "Join"
CLEAR_LABEL = "Clear"
CANCEL_LABEL = "Cancel"
VIEW_CLOSED_TITLE = "Queue closed"
VIEW_CLOSED_BODY = "You did not join the queue. Use /queue whenever you want to play."

# --- the searching view -------------------------------------------------------------------------
SEARCHING_TITLE = "Searching for a match…"
SEARCHING_BODY = (
    "Next wave {next_wave}. Keep this DM open: when you are matched I send you a message to confirm."
)
FIELD_RACES = "Playing"
FIELD_NEXT_WAVE = "Next wave"
FIELD_ACTIVE = "Active players (last 15 min)"
FIELD_QUEUED = "In the queue"
QUEUED_LINE = "{total} searching · {bw} can play Brood War · {sc2} can play StarCraft II"
FIELD_SINCE = "Searching since"
LEAVE_LABEL = "Cancel"
LEFT_TITLE = "You left the queue"
LEFT_BODY = "Use /queue to search again."
GONE_TITLE = "No longer searching"
GONE_BODY = "You are no longer in the queue. Use /queue to search again."
MATCHED_TITLE = "Match found!"
MATCHED_BODY = "You were matched: match #{match_id}. Confirm it in the message below."
