"""Text shared by every feature: errors, the DM-only pointer, shutdown."""

from __future__ import annotations

UNEXPECTED_ERROR = (
    "Something went wrong on our side. Please try again in a moment. "
    "If it keeps happening, tell an admin this reference: `{reference}`."
)
INTERACTION_EXPIRED = "This took too long and Discord closed the request. Please try again."
DM_ONLY = (
    "/{command} works in our direct messages, so your ladder details stay private. "
    "Open a DM with {bot} (click the name, then *Message*) and use /{command} there."
)
SHUTTING_DOWN = "The ladder is restarting. Please try again in a minute."
NOT_YOUR_BUTTON = "This button belongs to someone else."
BAD_OPTION = "That value is not valid for **{option}**. Please check it and try again."
ON_COOLDOWN = "Slow down a little: try again in {seconds:.0f} s."
MISSING_PERMISSIONS = "You don't have the permissions this command needs."
STALE_COMPONENT = "This button is no longer active."
