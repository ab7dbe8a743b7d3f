"""Every error a user can cause, typed, each with one clear message.

The bot maps these to their message; anything that is not a ``LadderError`` is a bug and gets a
reference id instead. The player reads the message in their language: ``key`` names it in the
catalogs' ``[errors]`` section (the class name, unless the raiser names another) and ``params``
fill its placeholders. ``message`` is the English text, for logs and for callers that have no
catalog; an error raised with a message of its own (already rendered by the bot) has no key.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType


class LadderError(Exception):
    """Base of the domain's expected failures. ``message`` is safe to show the user."""

    message: str = "That did not work."
    key: str | None
    params: Mapping[str, object]

    def __init__(self, message: str | None = None, *, key: str | None = None, **params: object) -> None:
        if message is not None:
            self.message = message
        self.key = key if key is not None else (None if message is not None else type(self).__name__)
        self.params = MappingProxyType(params)
        super().__init__(self.message)


class ValidationError(LadderError):
    """Input broke a rule; ``field`` names the input for forms that highlight it."""

    def __init__(self, field: str, message: str, *, key: str | None = None, **params: object) -> None:
        self.field = field
        super().__init__(message, key=key, **params)


class NotFound(LadderError):
    message = "That was not found."


class PlayerNotFound(NotFound):
    message = "You have no ladder record yet. Use /termsofservice to start."


class MatchNotFound(NotFound):
    message = "That match does not exist."


class Banned(LadderError):
    message = "Your account is banned from the ladder. Contact an admin if you think this is wrong."


class TermsNotAccepted(LadderError):
    message = "Please accept the terms of service first with /termsofservice."


class SetupIncomplete(LadderError):
    message = "Please finish /setup before you queue."


class NotActivated(LadderError):
    message = "Your account is not activated yet. Use /activate with the code an admin gave you."


class WrongState(LadderError):
    message = "You can't do that right now."


class AlreadyQueued(WrongState):
    message = "You are already in the queue."


class NotQueued(WrongState):
    message = "You are not in the queue."


class InMatch(WrongState):
    message = "You are in a match. Finish or abort it first."


class DeclineInMatch(InMatch):
    message = (
        "You are in a match: finish or abort it before declining the terms "
        "(your opponent is waiting on it)."
    )


class NoAbortsLeft(LadderError):
    message = "You have no aborts left this month."


class IllegalTransition(LadderError):
    """A match action that its current state does not allow; nothing was changed."""

    message = "This match can no longer be changed that way."


class ConcurrentUpdate(LadderError):
    message = "Someone changed this at the same moment. Please try again."


class NotAuthorized(LadderError):
    message = "You are not allowed to do that."


class InvalidActivationCode(LadderError):
    message = "That activation code is not valid or was already used."


# --- Matches (the lifecycle of DESIGN section 4). Each is an IllegalTransition or an authorization
# failure: the state machine raises them before anything is written, so nothing changes.


class NotAPlayer(NotAuthorized):
    message = "You are not a player in this match."


class AlreadyConfirmed(IllegalTransition):
    message = "You already confirmed this match."


class ConfirmationExpired(IllegalTransition):
    message = "The time to confirm this match has run out."


class NotConfirmedYet(IllegalTransition):
    message = "Both players must confirm the match before a result can be reported."


class AlreadyReported(IllegalTransition):
    message = "You already reported the result of this match."


class ReportingClosed(IllegalTransition):
    message = "The time to report this match has run out; it is being closed."


class AbortNotAllowed(IllegalTransition):
    message = (
        "A result was already reported, so the match can no longer be aborted. "
        "Report the result or ask an admin."
    )


class ReportLocked(IllegalTransition):
    message = (
        "Reporting opens once a replay of this match passed the checks (races, map, mod). "
        "Send the .SC2Replay file here first."
    )


class MatchClosed(IllegalTransition):
    message = "This match is already over."


class AbortWindowClosed(AbortNotAllowed):
    message = (
        "The time to abort this match is over (it runs from when the match was found). "
        "Play it and report the result, or ask an admin."
    )


class NotDue(IllegalTransition):
    message = "That deadline has not passed yet."


class AlreadyResolved(IllegalTransition):
    message = "The match already has that result."


class ReasonRequired(LadderError):
    message = "Please give a reason; every admin action is audited."


# --- accounts, admin tools and read models --------------------------------------------------


class UnknownCountry(ValidationError):
    """A country code that is not one of the 251 of the game data."""

    def __init__(self) -> None:
        super().__init__(
            "country", "That country is not in the list. Pick one from the suggestions.", key="UnknownCountry"
        )


class UnknownRegion(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            "region", "That region is not in the list. Pick one from the menu.", key="UnknownRegion"
        )


class UnknownRace(ValidationError):
    def __init__(self) -> None:
        super().__init__("race", "That race does not exist on this ladder.", key="UnknownRace")


class UnknownRankLetter(ValidationError):
    def __init__(self) -> None:
        super().__init__("rank", "A rank is one of the letters S, A, B, C, D, E, F.", key="UnknownRankLetter")


class AbortCountOutOfRange(ValidationError):
    def __init__(self, low: int, high: int) -> None:
        super().__init__(
            "count", f"The number of aborts must be between {low} and {high}.",
            key="AbortCountOutOfRange", low=low, high=high,
        )


class MmrOutOfRange(ValidationError):
    def __init__(self, low: int, high: int) -> None:
        super().__init__(
            "mmr", f"The MMR must be a whole number from {low} to {high}.",
            key="MmrOutOfRange", low=low, high=high,
        )


class CodeCountOutOfRange(ValidationError):
    def __init__(self, high: int) -> None:
        super().__init__(
            "count", f"You can create 1 to {high} activation codes at a time.",
            key="CodeCountOutOfRange", high=high,
        )


class DiscordIdOutOfRange(ValidationError):
    def __init__(self) -> None:
        super().__init__(
            "user", "That is not a Discord id: an id is a number of at most 19 digits.",
            key="DiscordIdOutOfRange",
        )


class ControlCharacters(ValidationError):
    """Text with NUL or other control characters (pasted from a file, or crafted): refused whole."""

    def __init__(self, field: str) -> None:
        super().__init__(
            field, "That text contains invisible control characters. Type it again without them.",
            key="ControlCharacters",
        )


class UnknownLanguage(ValidationError):
    def __init__(self) -> None:
        super().__init__("language", "The ladder does not speak that language.", key="UnknownLanguage")


class AlreadyActivated(LadderError):
    message = "Your account is already activated."


class TargetPlayerNotFound(NotFound):
    """An admin named a player that has no record (the player-facing ``PlayerNotFound`` says "you")."""

    message = "No player matches that Discord id or name."


class AlreadyBanned(LadderError):
    message = "That player is already banned."


class NotBanned(LadderError):
    message = "That player is not banned."


class NotAnAdmin(NotFound):
    message = "That user is not an admin."


class OwnerIsFixed(LadderError):
    """Owners come from the operator's settings; the bot cannot add or remove them."""

    message = "Owners are set by the operator (EVOLADDER_OWNER_IDS) and cannot be changed here."


# --- seasons ------------------------------------------------------------------------------------


class SeasonChanged(LadderError):
    message = "The season changed since this preview (another admin started it?). Run the preview again."


class UnknownMapPool(LadderError):
    message = "That map pool is not in the game data."


class BadSeasonName(LadderError):
    message = "A season name is 1 to 64 characters."


class BadResetPercent(LadderError):
    message = "The move toward 1500 is a percentage from 0 to 100."


class NoSuchSeason(LadderError):
    message = "There is no season with that id."
