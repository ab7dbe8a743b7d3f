"""Text of /profile."""

from __future__ import annotations

PROFILE_DESCRIPTION = "Your ladder profile: ratings, ranks and results per race"
PLAYER_OPTION = "Admins: another player's Discord id, @mention, Discord name or main id"
SEVERAL_PLAYERS = "Several players match {query!r}: {names}. Use a Discord id."

TITLE = "{name}"
IDENTITY = "Identity"
IDENTITY_LINES = "Discord: {mention}\nBattleTag: {battletag}\nAlso plays as: {alts}"
WHERE = "Country and region"
WHERE_LINE = "{flag} {country} · {region}"
NOT_SET = "not set"
NONE = "none"

RACE_UNPLAYED = "Not played yet"
RACE_MMR = "**{mmr}** MMR · rank **{letter}** {rank}"
RACE_GLOBAL = "(#{rank:,} of {total:,})"
RACE_UNRANKED = "(unranked: no game in the last 14 days)"
RACE_RECORD = "{record} · {percent}"
RACE_RECENT = "{windows}"
WINDOW = "{days}d {record}"
RECORD = "{wins}-{losses}-{draws}"
NO_PERCENT = "no games"
PERCENT = "{value:.1f}% won"

OVERALL = "All races"
OVERALL_LINES = "{record} · {percent}\nLast {windows}\nLast game: {last}"
NEVER = "never"
ABORTS = "Aborts left this month"
ABORTS_LINE = "{left} of {total}"
STATUS = "Account"
STATUS_LINE = "{status} · {state}"
STATUS_TEXT = {
    "active": "active",
    "banned": "banned",
    "terms_pending": "terms not accepted (/termsofservice)",
    "setup_pending": "setup not finished (/setup)",
    "activation_pending": "not activated (/activate)",
}
STATE_TEXT = {
    "idle": "not queueing",
    "queueing": "in the queue",
    "in_match": "in a match",
}
FOOTER = "W-L-D: wins, losses, draws. Ranks count players with a game in the last 14 days."
