"""Text of the account commands: /termsofservice, /setup, /setcountry, /activate and /prune.

The rules' own messages (an invalid main id, an unknown country...) are not here: they come with
the typed errors of :mod:`evoladder.domain.errors` and :mod:`evoladder.domain.identity`.
"""

from __future__ import annotations

# --- /termsofservice ---------------------------------------------------------------------------
TERMS_DESCRIPTION = "Read the ladder's terms of service and accept or decline them"
TERMS_TITLE = "Terms of service"
TERMS_BODY = (
    "Before you play on the ladder, please read the terms:\n{links}\n\n"
    "Accepting lets you set up your account and queue. You can change your answer at any time here."
)
TERMS_LINK = "• {url}"
TERMS_STATUS = "Your answer"
TERMS_STATUS_NONE = "You have not answered yet."
TERMS_STATUS_ACCEPTED = "Accepted {when}."
TERMS_STATUS_DECLINED = "Declined {when}. Ladder commands stay closed until you accept."
TERMS_NEXT = "Next step: /setup (your in-game name, BattleTag, country and region)."
ACCEPT_LABEL = "Accept"
DECLINE_LABEL = "Decline"

# --- /setup ------------------------------------------------------------------------------------
SETUP_DESCRIPTION = "Set your in-game name, BattleTag, alternative names, country and region"
SETUP_MODAL_TITLE = "Your ladder identity"
FIELD_MAIN_ID = "Main id (your StarCraft II name)"
FIELD_MAIN_ID_HINT = "3 to 12 Latin letters, e.g. Maru"
FIELD_BATTLETAG = "BattleTag"
FIELD_BATTLETAG_HINT = "Name#1234"
FIELD_ALT_1 = "Alternative id 1 (optional)"
FIELD_ALT_2 = "Alternative id 2 (optional)"
FIELD_ALT_HINT = "Another name you play as, any alphabet"
SETUP_INVALID = "{message}\nNothing was saved. Press **Edit** to correct it."
EDIT_LABEL = "Edit"
SETUP_PICK_TITLE = "Your country and region"
SETUP_PICK_BODY = "Pick your country and the region you live in, then check the preview and confirm."
SETUP_PREVIEW_TITLE = "Check your details"
SETUP_PREVIEW_BODY = "This is what will be saved. Press **Confirm** to save it."
SETUP_MAIN_ID = "Main id"
SETUP_BATTLETAG = "BattleTag"
SETUP_ALT_IDS = "Alternative ids"
SETUP_COUNTRY = "Country"
SETUP_REGION = "Region"
SETUP_NONE = "none"
SETUP_NOT_CHOSEN = "not chosen yet"
COUNTRY_PLACEHOLDER = "Country: {first} – {last}"
REGION_PLACEHOLDER = "Region where you live"
CONFIRM_LABEL = "Confirm"
RESTART_LABEL = "Restart"
CANCEL_LABEL = "Cancel"
SETUP_SAVED_TITLE = "Setup saved"
SETUP_SAVED_FIRST = "Welcome to the ladder! Use /queue to find a match."
SETUP_SAVED_CHANGED = "Updated: {fields}."
SETUP_SAVED_SAME = "Nothing changed: these were already your details."
SETUP_CANCELLED = "Setup cancelled. Nothing was saved."
SETUP_FIELD_NAMES = {
    "main_id": "main id",
    "battletag": "BattleTag",
    "alt_ids": "alternative ids",
    "country": "country",
    "region": "region",
}

# --- /setcountry -------------------------------------------------------------------------------
SETCOUNTRY_DESCRIPTION = "Change the country shown beside your name (any country)"
SETCOUNTRY_OPTION = "Start typing a country name or its two-letter code"
SETCOUNTRY_PREVIEW = "Set your country to {new}? (now: {old})"
SETCOUNTRY_DONE = "Your country is now {new}."
SETCOUNTRY_CANCELLED = "Your country was not changed."
COUNTRY_NONE = "not set"
CHOICE_NATIVE = "{name} ({native})"

# --- /activate ---------------------------------------------------------------------------------
ACTIVATE_DESCRIPTION = "Activate your account with the code an admin gave you"
ACTIVATE_OPTION = "The activation code, e.g. ABCD-EFGH-JKLM"
ACTIVATED = "Your account is activated. Welcome!"
ACTIVATED_NOT_NEEDED = "Your account is activated (this ladder does not require it to queue)."

# --- /prune ------------------------------------------------------------------------------------
PRUNE_DESCRIPTION = "Delete the bot's old messages in our DMs (keeps open matches and the last 3 hours)"
PRUNE_DONE = (
    "Deleted {count} old message(s). Messages of an open match and of the last {hours} hours were kept."
)
PRUNE_NOTHING = "Nothing to delete: messages of an open match and of the last {hours} hours are kept."
PRUNE_MORE = " There are more: run /prune again to continue."
PRUNE_DM_ONLY = "/prune only cleans our direct messages."
