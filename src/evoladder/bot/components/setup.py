"""The /setup form: modal -> country and region selects -> preview -> Confirm (Restart, Cancel).

One message evolves through the steps; nothing is written until Confirm, which makes the one
service call (``AccountService.complete_setup``, which validates everything again). The draft
lives in the view object (a short-lived :class:`~evoladder.bot.interaction.LadderView` usable
only by its owner, 10 minutes): it holds free text in any script, which cannot travel in a
custom id. After a bot restart an open form is dead and the player runs /setup again, which is
pre-filled from their record.

The modal checks the identity rules at once (``domain.identity``, pure, no I/O) so a typo is
reported before the player picks a country; the message is the rule's own and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any

import discord

from evoladder.bot.components.forms import answer_modal, closed_view, options
from evoladder.bot.errors import error_text
from evoladder.bot.interaction import Call, FlowSpec, LadderModal, LadderView
from evoladder.bot.render import accounts as render
from evoladder.bot.reply import Answer, ModalReply, Reply
from evoladder.domain.errors import ValidationError
from evoladder.domain.identity import MAX_ALT_IDS, validate_identity
from evoladder.domain.players import Player
from evoladder.game import GameData
from evoladder.game.models import Country
from evoladder.i18n import LANGUAGES, names, using
from evoladder.i18n.languages import ENDONYMS
from evoladder.i18n.text import accounts as text
from evoladder.i18n.text import language as language_text

POLICY = "setup"
FORM_TIMEOUT = 600.0  # seconds; Discord's interaction tokens live 15 minutes
INPUT_MAX = 32  # generous: the rules (3-12 characters) answer with their own message
BATTLETAG_MAX = 40


@dataclass(frozen=True, slots=True)
class Form:
    """What the player typed and picked so far (codes, not objects: cheap to copy)."""

    main_id: str = ""
    battletag: str = ""
    alt_ids: tuple[str, ...] = ()
    country: str | None = None
    region: str | None = None
    public_identity: bool = False  # show the Discord name and BattleTag on the public web page
    language: str | None = None

    @classmethod
    def of(cls, player: Player) -> Form:
        return cls(
            player.main_id or "", player.battletag or "", player.alt_ids, player.country, player.region,
            player.public_identity,
            player.language,
        )

    def shown(self, game: GameData) -> render.SetupDraftView:
        return render.SetupDraftView(
            self.main_id,
            self.battletag,
            self.alt_ids,
            game.countries.get(self.country) if self.country else None,
            game.regions.get(self.region) if self.region else None,
            self.language,
        )


class SetupModal(LadderModal):
    spec = FlowSpec("setup.submit", policy=POLICY)

    def __init__(self, form: Form) -> None:
        super().__init__(title=text.SETUP_MODAL_TITLE, timeout=FORM_TIMEOUT)
        self.form = form
        alts = (*form.alt_ids, "", "")[:MAX_ALT_IDS]
        self.main_id = self._input("main_id", text.FIELD_MAIN_ID, text.FIELD_MAIN_ID_HINT, form.main_id)
        self.battletag = self._input(
            "battletag", text.FIELD_BATTLETAG, text.FIELD_BATTLETAG_HINT, form.battletag, BATTLETAG_MAX
        )
        self.alts = [
            self._input(f"alt_{i + 1}", label, text.FIELD_ALT_HINT, value, required=False)
            for i, (label, value) in enumerate(zip((text.FIELD_ALT_1, text.FIELD_ALT_2), alts, strict=True))
        ]

    def _input(
        self, key: str, label: str, hint: str, value: str, limit: int = INPUT_MAX, *, required: bool = True
    ) -> discord.ui.TextInput[SetupModal]:
        field: discord.ui.TextInput[SetupModal] = discord.ui.TextInput(
            label=label,
            custom_id=key,
            placeholder=hint,
            default=value[:limit] or None,
            required=required,
            max_length=limit,
        )
        self.add_item(field)
        return field

    async def handle(self, call: Call) -> Answer:
        typed = replace(
            self.form,
            main_id=self.main_id.value,
            battletag=self.battletag.value,
            alt_ids=tuple(a.value for a in self.alts),
        )
        try:
            identity = validate_identity(typed.main_id, typed.battletag, typed.alt_ids)
        except ValidationError as exc:
            view = EditView(call.uid, typed)
            return await answer_modal(call, Reply(content=render.setup_invalid(error_text(exc)), view=view))
        form = replace(
            typed, main_id=identity.main_id, battletag=identity.battletag, alt_ids=identity.alt_ids
        )
        return await answer_modal(call, draft_reply(call, form))


def draft_reply(call: Call, form: Form) -> Reply:
    game = call.deps.game
    return Reply(embeds=(render.setup_draft(form.shown(game)),), view=SetupView(call.uid, form, game))


Handler = Callable[[Call], Awaitable[Answer]]


class _FormView(LadderView):
    """A view of the form: owner only; each control runs ``handler`` through the wrapper."""

    def __init__(self, owner_uid: int, form: Form) -> None:
        super().__init__(owner_id=owner_uid, timeout=FORM_TIMEOUT)
        self.form = form

    def control(self, item: discord.ui.Item[Any], name: str, handler: Handler) -> None:
        spec = FlowSpec(f"setup.{name}", policy=POLICY)

        async def in_form_language(call: Call) -> Answer:
            # A language picked in the form shows the form in it before Confirm saves it.
            if self.form.language is None:
                return await handler(call)
            with using(call.deps.catalogs.get(self.form.language)):
                return await handler(call)

        async def callback(interaction: discord.Interaction[Any]) -> None:
            await self.run(interaction, spec, in_form_language)

        item.callback = callback  # type: ignore[method-assign]
        self.add_item(item)

    def button(self, label: str, name: str, handler: Handler, style: discord.ButtonStyle, **kw: Any) -> None:
        self.control(discord.ui.Button(label=label, style=style, **kw), name, handler)

    async def restart(self, call: Call) -> Answer:
        # The view stays live: a player who closes the modal can still use the form.
        return ModalReply(SetupModal(self.form))


class EditView(_FormView):
    """Under an invalid input: reopen the modal with what the player typed."""

    def __init__(self, owner_uid: int, form: Form) -> None:
        super().__init__(owner_uid, form)
        self.button(text.EDIT_LABEL, "edit", self.restart, discord.ButtonStyle.primary)


class SetupView(_FormView):
    """Country pages, region, then Confirm (enabled once both are picked), Restart, Cancel."""

    def __init__(self, owner_uid: int, form: Form, game: GameData) -> None:
        super().__init__(owner_uid, form)
        for page in render.country_pages(game)[:2]:
            self._country_select(page)
        regions = [(r.code, names.region(r)) for r in game.regions.values()]
        self.region_select = discord.ui.Select[SetupView](
            placeholder=text.REGION_PLACEHOLDER, options=options(regions, [form.region or ""])
        )
        self.control(self.region_select, "region", self.pick_region)
        languages = [(code, ENDONYMS[code]) for code in LANGUAGES]
        self.language_select = discord.ui.Select[SetupView](
            placeholder=language_text.PLACEHOLDER, options=options(languages, [form.language or ""])
        )
        self.control(self.language_select, "language", self.pick_language)
        complete = form.shown(game).complete
        self.button(
            text.CONFIRM_LABEL, "confirm", self.confirm, discord.ButtonStyle.success, disabled=not complete
        )
        self.button(text.RESTART_LABEL, "restart", self.restart, discord.ButtonStyle.secondary)
        self.button(text.CANCEL_LABEL, "cancel", self.cancel, discord.ButtonStyle.danger)
        shown = text.PUBLIC_IDENTITY_ON if form.public_identity else text.PUBLIC_IDENTITY_OFF
        self.button(shown, "public", self.toggle_public, discord.ButtonStyle.secondary)

    def _country_select(self, page: tuple[Country, ...]) -> None:
        first, last = names.country(page[0]), names.country(page[-1])
        placeholder = text.COUNTRY_PLACEHOLDER.format(first=first, last=last)
        pairs = [(c.code, names.country(c)) for c in page]
        select = discord.ui.Select[SetupView](
            placeholder=placeholder, options=options(pairs, [self.form.country or ""])
        )

        async def pick(call: Call) -> Answer:
            return self.update(call, replace(self.form, country=select.values[0]))

        self.control(select, "country", pick)

    async def toggle_public(self, call: Call) -> Answer:
        """The privacy opt-in: off unless the player turns it on (saved with Confirm)."""
        return self.update(call, replace(self.form, public_identity=not self.form.public_identity))

    async def pick_region(self, call: Call) -> Answer:
        return self.update(call, replace(self.form, region=self.region_select.values[0]))

    async def pick_language(self, call: Call) -> Answer:
        """The form is shown again at once in the language picked (it is saved with Confirm)."""
        form = replace(self.form, language=self.language_select.values[0])
        with using(call.deps.catalogs.get(form.language)):
            return self.update(call, form)

    def update(self, call: Call, form: Form) -> Reply:
        self.stop()
        reply = draft_reply(call, form)
        return Reply(embeds=reply.embeds, view=reply.view, edit=True)

    async def confirm(self, call: Call) -> Answer:
        form = self.form
        result = await call.deps.accounts.complete_setup(
            call.uid, form.main_id, form.battletag, form.alt_ids, form.country or "", form.region or "",
            language=form.language if form.language in LANGUAGES else None,  # not the tests' pseudo-locale
        )
        player = result.player
        if player.public_identity != form.public_identity:
            player = await call.deps.accounts.set_public_identity(call.uid, form.public_identity)
        call.checkpoint("reads")
        self.stop()
        with using(call.deps.catalogs.get(player.language)):
            saved = render.setup_saved(
                Form.of(player).shown(call.deps.game), result.changed_fields, result.first_setup
            )
            return Reply(embeds=(saved,), view=closed_view(), edit=True)

    async def cancel(self, call: Call) -> Answer:
        self.stop()
        embed = discord.Embed(title=text.SETUP_CANCELLED, colour=render.COLOUR)
        return Reply(embeds=(embed,), view=closed_view(), edit=True)
