"""Text of /help and /ping."""

from __future__ import annotations

PING_DESCRIPTION = "Check that the bot answers"
PING_REPLY = "ok"

HELP_DESCRIPTION = "How to start on the ladder, and what each command does"
HELP_TITLE = "SC: Evo Complete ladder"
HELP_INTRO = "A ranked 1v1 ladder: Brood War races against StarCraft II races."
HELP_START_TITLE = "How to start"
HELP_STEPS = (
    "**1.** /termsofservice: read and accept the terms.",
    "**2.** /setup: your in-game name, BattleTag, country and region.",
    "**3.** /queue: pick your races and map vetoes, then wait for an opponent.",
    "**4.** Confirm the match, then play it in StarCraft II with the settings shown.",
    "**5.** Upload the replay here in our DMs and report the result.",
)
HELP_COMMANDS_TITLE = "Commands"
HELP_COMMAND_LINE = "/{name}: {description}"
HELP_DM_NOTE = "Use the commands in our direct messages."
HELP_MORE = "…and {count} more"
HELP_ADMIN_HIDDEN = "tools for the ladder's admins (listed here when an admin asks)"
