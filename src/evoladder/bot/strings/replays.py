"""Text of replay uploads: the replay details embed, the notices, the match message's status line.

The checklist lines themselves come from the domain (``evoladder.domain.replays.MESSAGES``), and a
refused upload's sentence from its typed error (``evoladder.services.replays``).
"""

from __future__ import annotations

# --- the replay details embed (the answer to an upload) ----------------------------------------
TITLE = "Replay of match #{match_id}"
FIELD_MATCHUP = "Matchup"
MATCHUP_PLAYER = "**{name}** ({race})"
MATCHUP_SEPARATOR = " vs "
FIELD_RESULT = "Result"
RESULT_WINNER = "{name} won"
RESULT_TIE = "A draw"
RESULT_UNKNOWN = "No winner recorded"
FIELD_MAP = "Map"
FIELD_START = "Started"
FIELD_DURATION = "Duration"
DURATION = "{minutes}m {seconds:02d}s"
FIELD_OBSERVERS = "Observers"
NO_OBSERVERS = "none"
FIELD_CHECKS = "Checks"
CHECK_LINE = "{mark} {message}"
CHECK_PASS = "✅"
CHECK_WARN = "⚠️"
CHECK_FAIL = "❌"
NO_PLAYERS = "no players"
UNKNOWN_RACE = "unknown race"
FOOTER = "File {hash}… · {size}"
TRUNCATED = "…"

# What the upload did (the embed's description); {outcome} reads from the uploader's side.
EFFECT_REPORTED = "✅ This replay passed the checks and reported the result for both players: **{outcome}**."
EFFECT_CONFLICT = (
    "⚠️ This replay says **{outcome}**, which disagrees with the result already reported. "
    "Match #{match_id} now waits for an admin; no rating counts until then."
)
EFFECT_AGREES = "✅ Match #{match_id} already has this result (**{outcome}**); the replay is stored with it."
EFFECT_LOCKED = "❌ {locked}"
EFFECT_UNVERIFIED_TIME = (
    "⚠️ The game did not start within {minutes} minutes of the match, so this replay cannot report "
    "the result by itself. Report the result yourself, or ask an admin."
)
EFFECT_UNVERIFIED_WINNER = (
    "⚠️ The replay does not show who won, so it cannot report the result. "
    "Report the result yourself, or ask an admin."
)
EFFECT_EVIDENCE = "Match #{match_id} is already {status}; the replay is stored for the admins."
EFFECT_REPORTING_CLOSED = (
    "Reporting for match #{match_id} has closed, so this replay cannot report the result; "
    "it is stored for the admins."
)
MATCH_STATUS = {
    "final": "final",
    "conflict": "waiting for an admin",
    "aborted": "aborted",
    "abandoned": "cancelled",
    "invalidated": "invalidated",
}

# --- the opponent's notice ---------------------------------------------------------------------
OPPONENT_REPORTED = (
    "Your opponent uploaded the replay of match #{match_id}. It passed the checks and reported the "
    "result for both of you: **{outcome}**."
)
OPPONENT_CONFLICT = (
    "Your opponent uploaded a replay of match #{match_id} that says **{outcome}**, which disagrees "
    "with the result reported before. An admin will look at the match; no rating counts until then."
)

# --- the match message's replay status (a field of that message) --------------------------------
# The field of the match message that shows the replays; the details card may already carry it
# with a placeholder (the match feature's ``FIELD_REPLAYS``), which an upload then replaces.
STATUS_FIELD = "Replays"
STATUS_YOURS = "Your replay"
STATUS_THEIRS = "Your opponent's replay"
STATUS_LINE = "{mark} {who}: {summary}"
STATUS_PASSED = "all checks passed"
STATUS_WARNINGS = "{count} warning(s)"
STATUS_CRITICAL = "critical check failed ({checks}); an admin will review it"
SUMMARY_JOIN = ", "
STATUS_SHOWS = "shows {outcome}"
CHECK_NAMES = {
    "two_players": "two players",
    "no_ai": "no AI",
    "races": "races",
    "map": "map",
    "start_time": "start time",
    "no_observers": "observers",
    "privacy": "privacy",
    "speed": "speed",
    "duration": "duration",
    "locked_alliances": "locked alliances",
    "mod": "mod",
}
