"""The notifier: events -> DMs, edits of the match message by channel+message id, admin log."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import discord
import pytest
from botfakes import VirtualTimer

from evoladder.bot.languages import PlayerLanguages
from evoladder.bot.notifier import MATCH_MESSAGE, NOTICE, DiscordNotifier
from evoladder.bot.outbound import Outbound
from evoladder.bot.render import match as render
from evoladder.domain.rating import Outcome
from evoladder.game import load_game_data
from evoladder.i18n import Catalogs, english, using
from evoladder.i18n.text import match as text
from evoladder.i18n.text import races
from evoladder.services import events as ev
from evoladder.services.messages import TrackedMessage
from textmatch import lead

GAME = load_game_data()
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
P1, P2 = 111, 222
ADMIN_CHANNEL, STAFF_ROLE = 900, 901


@dataclass
class Sent:
    channel_id: int
    message_id: int
    kwargs: dict[str, Any]


@dataclass
class FakeDiscord:
    """Records sends and edits the way the notifier performs them through discord.py."""

    sent: list[Sent] = field(default_factory=list)
    edits: list[Sent] = field(default_factory=list)
    next_id: int = 1000

    async def create_dm(self, user: discord.abc.Snowflake) -> Any:
        return _Channel(self, 10_000 + user.id)

    def get_partial_messageable(self, channel_id: int, *, type: Any = None) -> Any:
        return _Channel(self, channel_id)


@dataclass
class _Channel:
    owner: FakeDiscord
    id: int

    async def send(self, **kwargs: Any) -> Any:
        self.owner.next_id += 1
        self.owner.sent.append(Sent(self.id, self.owner.next_id, kwargs))
        return _Message(self.owner.next_id, self)

    def get_partial_message(self, message_id: int) -> Any:
        return _Partial(self.owner, self.id, message_id)


@dataclass
class _Message:
    id: int
    channel: _Channel


@dataclass
class _Partial:
    owner: FakeDiscord
    channel_id: int
    id: int

    async def edit(self, **kwargs: Any) -> Any:
        self.owner.edits.append(Sent(self.channel_id, self.id, kwargs))
        return self


class FakeMessageLog:
    def __init__(self) -> None:
        self.rows: list[TrackedMessage] = []

    async def record(
        self, *, channel_id: int, message_id: int, discord_uid: int, kind: str, match_id: int | None = None
    ) -> None:
        self.rows.append(TrackedMessage(channel_id, message_id, discord_uid, match_id, kind, NOW))

    async def latest(self, discord_uid: int, kind: str, match_id: int | None = None) -> TrackedMessage | None:
        found = [
            r for r in self.rows if r.discord_uid == discord_uid and r.kind == kind and r.match_id == match_id
        ]
        return found[-1] if found else None


@dataclass
class Setup:
    notifier: DiscordNotifier
    outbound: Outbound
    discord: FakeDiscord
    messages: FakeMessageLog

    async def deliver(self, *events: object) -> None:
        """Announce, then let the queue send everything (close drains it)."""
        for e in events:
            await self.notifier.notify(e)
        await self.outbound.close()


@pytest.fixture
async def setup() -> Setup:
    return make_setup(english_only())


def make_setup(languages: PlayerLanguages) -> Setup:
    outbound = Outbound(timer=VirtualTimer())
    messages = FakeMessageLog()
    notifier = DiscordNotifier(
        outbound=outbound,
        messages=cast(Any, messages),
        languages=languages,
        game=GAME,
        admin_log_channel_id=ADMIN_CHANNEL,
        staff_role_id=STAFF_ROLE,
    )
    fake = FakeDiscord()
    notifier.attach(cast(discord.Client, fake))
    outbound.start()
    return Setup(notifier, outbound, fake, messages)


def found(uid: int, match_id: int = 7) -> ev.MatchFound:
    return ev.MatchFound(uid, match_id, "bw_zerg", NOW + timedelta(seconds=60), aborts_left=2)


def details(uid: int, match_id: int = 7) -> ev.DetailsRevealed:
    card = ev.OpponentCard(P2, "bob", "Bob", "Bob#1234", ("밥",), "KR", "sc2_terran", 1540)
    return ev.DetailsRevealed(
        uid,
        match_id,
        1,
        "bw_zerg",
        card,
        "Fighting Spirit",
        "FS",
        "https://battle.net/map",
        "EU",
        "Europe",
        "EU",
        "https://battle.net/mod",
        NOW + timedelta(hours=3),
    )


def custom_ids(kwargs: dict[str, Any]) -> list[str]:
    view = kwargs.get("view")
    return [item.custom_id for item in view.children] if view is not None else []


async def test_match_found_then_details_edit_the_same_message(setup: Setup) -> None:
    await setup.deliver(found(P1), details(P1))
    [first] = setup.discord.sent
    assert first.channel_id == 10_000 + P1
    assert custom_ids(first.kwargs) == ["evo:match:7:confirm", "evo:match:7:abort"]
    assert setup.messages.rows[0].kind == MATCH_MESSAGE and setup.messages.rows[0].match_id == 7
    [edit] = setup.discord.edits
    assert (edit.channel_id, edit.message_id) == (first.channel_id, first.message_id)  # by ids, no token
    embed = edit.kwargs["embeds"][0]
    assert embed.title == text.DETAILS_TITLE.format(
        match_id=7, race=races.bw_zerg, opponent_race=races.sc2_terran
    )
    names = [f.name for f in embed.fields]
    wanted = [text.FIELD_OPPONENT, text.FIELD_BATTLETAG, text.FIELD_MAP, text.FIELD_SERVER, text.FIELD_LOBBY]
    assert {*wanted, text.FIELD_REPORT_BY} <= set(names)
    assert custom_ids(edit.kwargs) == ["evo:match:7:result", "evo:match:7:abort"]  # report or abort


async def test_details_without_a_stored_message_are_sent_as_a_new_one(setup: Setup) -> None:
    await setup.deliver(details(P1))
    assert setup.discord.edits == []
    [sent] = setup.discord.sent
    assert sent.kwargs["embeds"][0].title.startswith(lead(text.DETAILS_TITLE, match_id=7))
    assert setup.messages.rows[0].kind == MATCH_MESSAGE


async def test_a_final_result_closes_both_messages_tells_each_player_and_the_admin_log(setup: Setup) -> None:
    final = ev.ResultFinal(
        7,
        P1,
        P2,
        race_1="bw_zerg",
        race_2="sc2_terran",
        outcome=Outcome.PLAYER_1,
        delta=18,
        shift_1=18,
        mmr_1_after=1518,
        mmr_2_after=1482,
        source="reports",
    )
    await setup.deliver(found(P1), found(P2), final)
    closed = {e.channel_id: e for e in setup.discord.edits}
    assert set(closed) == {10_000 + P1, 10_000 + P2}
    assert all(custom_ids(e.kwargs) == [] for e in closed.values())  # the buttons are gone
    dms = {s.channel_id: str(s.kwargs["content"]) for s in setup.discord.sent if s.kwargs.get("content")}
    won = text.RESULT_FINAL.format(
        match_id=7, outcome=text.OUTCOME_WON, race=races.bw_zerg, after=1518, shift=18
    )
    lost = text.RESULT_FINAL.format(
        match_id=7, outcome=text.OUTCOME_LOST, race=races.sc2_terran, after=1482, shift=-18
    )
    assert won in dms[10_000 + P1] and lost in dms[10_000 + P2]
    admin = dms[ADMIN_CHANNEL]
    assert admin.startswith(lead(text.ADMIN_FINAL, match_id=7)) and f"<@{P1}>" in admin
    admin_post = next(s for s in setup.discord.sent if s.channel_id == ADMIN_CHANNEL)
    assert admin_post.kwargs["allowed_mentions"].roles is False  # nobody is pinged
    notices = [r for r in setup.messages.rows if r.kind == NOTICE]
    assert {r.discord_uid for r in notices} == {P1, P2}  # kept for /prune


async def test_each_player_reads_in_their_stored_language_and_the_admin_log_in_english() -> None:
    """P1 reads Korean, P2 Russian (stored languages); the event comes from nobody's task."""
    catalogs = Catalogs.load(["en", "ko", "ru"])
    stored = {P1: "ko", P2: "ru"}

    class Store:
        async def language_of(self, discord_uid: int) -> str:
            return stored[discord_uid]

    setup = make_setup(PlayerLanguages(catalogs, _NoCache(), Store()))
    final = ev.ResultFinal(
        7, P1, P2, race_1="bw_zerg", race_2="sc2_terran", outcome=Outcome.PLAYER_1, delta=18,
        shift_1=18, mmr_1_after=1518, mmr_2_after=1482, source="reports",
    )
    await setup.deliver(found(P1), found(P2), final)
    ko, ru = catalogs.get("ko"), catalogs.get("ru")
    titles = {s.channel_id: s.kwargs["embeds"][0].title for s in setup.discord.sent if s.kwargs.get("embeds")}
    assert titles[10_000 + P1] == ko.get("match", "FOUND_TITLE").format(match_id=7)
    assert titles[10_000 + P2] == ru.get("match", "FOUND_TITLE").format(match_id=7)
    dms = {s.channel_id: str(s.kwargs["content"]) for s in setup.discord.sent if s.kwargs.get("content")}
    assert f"**{ko.get('match', 'OUTCOME_WON')}**" in dms[10_000 + P1]
    assert ko.get("races", "bw_zerg") in dms[10_000 + P1]
    assert f"**{ru.get('match', 'OUTCOME_LOST')}**" in dms[10_000 + P2]
    assert ru.get("races", "sc2_terran") in dms[10_000 + P2]
    assert dms[ADMIN_CHANNEL].startswith(lead(text.ADMIN_FINAL, match_id=7))  # the admin log is English


def test_a_ban_removal_is_told_in_the_players_words_not_as_the_systems_code() -> None:
    """The system's reason for a removal (a ban) is a code; an admin's reason is their own text."""
    ko = Catalogs.load(["en", "ko"]).get("ko")
    with using(ko):
        banned = render.player_text(ev.RemovedFromQueue(P1, admin_uid=None, reason="banned"), P1, GAME)
        by_admin = render.player_text(ev.RemovedFromQueue(P1, admin_uid=5, reason="banned"), P1, GAME)
    template = ko.get("match", "REMOVED_FROM_QUEUE")
    assert banned == template.format(reason=ko.get("match", "ABORT_REASON")["banned"])
    assert by_admin == template.format(reason="banned")


async def test_a_conflict_pings_the_staff_role_and_only_it(setup: Setup) -> None:
    await setup.deliver(ev.MatchConflict(7, P1, P2, report_1=1, report_2=2))
    post = next(s for s in setup.discord.sent if s.channel_id == ADMIN_CHANNEL)
    assert post.kwargs["content"].startswith(f"<@&{STAFF_ROLE}>")
    mentions: discord.AllowedMentions = post.kwargs["allowed_mentions"]
    assert [r.id for r in mentions.roles] == [STAFF_ROLE]  # type: ignore[union-attr]
    assert mentions.users is False and mentions.everyone is False


async def test_a_reminder_is_only_a_dm(setup: Setup) -> None:
    await setup.deliver(ev.ConfirmationReminder(P1, 7, NOW + timedelta(seconds=40)))
    [sent] = setup.discord.sent
    assert sent.kwargs["content"].startswith(lead(text.REMINDER, match_id=7))
    assert "<t:" in sent.kwargs["content"]  # a Discord timestamp, shown in the reader's zone
    assert setup.discord.edits == []


async def test_without_a_client_notify_still_does_not_raise() -> None:
    outbound = Outbound(timer=VirtualTimer())
    notifier = DiscordNotifier(
        outbound=outbound,
        messages=cast(Any, FakeMessageLog()),
        languages=english_only(),
        game=GAME,
        admin_log_channel_id=None,
        staff_role_id=None,
    )
    outbound.start()
    await notifier.notify(found(P1))
    await notifier.notify("not an event")
    await outbound.close()
    assert outbound.stats.failed == 1


@pytest.mark.parametrize(
    ("event", "uid", "expected"),
    [
        (
            ev.MatchAborted(7, P1, P2, aborted_by=P1, aborts_left=1, reason="player"),
            P1,
            "Aborts left this month: 1",
        ),
        (
            ev.MatchAborted(7, P1, P2, aborted_by=P1, aborts_left=1, reason="player"),
            P2,
            "none of your aborts",
        ),
        (ev.MatchAbandoned(7, P1, P2, reason="not_confirmed", unconfirmed=(P2,)), P2, "you did not confirm"),
        (
            ev.MatchAbandoned(7, P1, P2, reason="not_confirmed", unconfirmed=(P2,)),
            P1,
            "your opponent did not",
        ),
        (ev.MatchAbandoned(7, P1, P2, reason="not_reported"), P1, "nobody reported"),
        (ev.RemovedFromQueue(P1, admin_uid=5, reason="cleanup"), P1, "removed you from the queue (cleanup)"),
        (ev.RemovedFromQueue(P1, admin_uid=None, reason="banned"), P1, "removed you from the queue (ban)"),
    ],
)
def test_each_player_reads_the_event_from_their_side(event: ev.LadderEvent, uid: int, expected: str) -> None:
    line = render.player_text(event, uid, GAME)
    assert line is not None and expected in line


class _NoCache:
    def get(self, discord_uid: int) -> None:
        return None


class _English:
    async def language_of(self, discord_uid: int) -> str:
        return "en"


def english_only() -> PlayerLanguages:
    """Every player reads English (the notifier's language routing has its own tests)."""
    return PlayerLanguages(Catalogs({"en": english()}), _NoCache(), _English())
