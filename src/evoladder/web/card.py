"""The link-preview cards: 1200x630 PNGs (the size Discord, Twitter and others show large).

A player's card has the ladder name, the country, the best races with rating and letter, and a
small rating chart when there is history. A match's card has its title and status, both sides
(name, race, rating before, change) once both confirmed, the map and the result.

Languages. A card is drawn in the language of the request that asks for it: the pages put
``?lang=`` on their ``og:image`` address (a crawler sends no cookie and rarely the reader's
``Accept-Language``), and everything written on it comes from the catalogs and the game's own
names in that language (``evoladder.i18n.names``), filled in by ``card_data`` and
``match_card_data`` on the request's task; the renderer only draws strings. The language is in
the cache key.

Drawn with Pillow in the default executor (never on the event loop: a card takes tens of
milliseconds; Pillow itself, ~4 MB resident, is imported there when the first card is drawn, so
a process whose links are never unfurled does not carry it), and kept per player and what it
shows (``CardCache``): the key holds the newest match and the ratings and letters drawn, so a
new game or a letter that moved makes a new card, and a link pasted again and again costs
nothing.

Fonts. Ladder names are written in every script (Korean, Chinese, Cyrillic...). The card uses
Noto Sans CJK when the host has it (Debian ``fonts-noto-cjk``), which covers them all; otherwise
DejaVu Sans or Pillow's own font, and it says so once in the log (``web.card_font_fallback``).
In that fallback the characters those fonts lack are left out instead of drawn as empty boxes,
and a name left empty becomes the ladder id.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from evoladder.logging_setup import event
from evoladder.services.public import PublicMatch, PublicPlayer, RatingChart

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

    Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

log = logging.getLogger(__name__)

WIDTH, HEIGHT = 1200, 630
CJK_FONTS = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc"),
)
PLAIN_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
)
PLAIN_LIMIT = 0x0530  # Latin, Greek, Cyrillic, Armenian: what DejaVu Sans covers
CACHE_SIZE = 512
BG, FG, MUTED, ACCENT = (250, 250, 250), (27, 31, 36), (102, 102, 119), (36, 86, 166)
COLORS = ((36, 86, 166), (176, 42, 42), (30, 123, 52), (142, 68, 173), (184, 134, 11), (17, 122, 139))


@dataclass(frozen=True, slots=True)
class CardLine:
    race: str  # the race's display name
    mmr: int
    letter: str


@dataclass(frozen=True, slots=True)
class CardData:
    ladder_id: int
    name: str
    country: str | None  # the country's name
    lines: tuple[CardLine, ...]
    site: str
    chart: RatingChart | None


@dataclass(frozen=True, slots=True)
class MatchCardSide:
    name: str
    race: str  # the race's display name
    mmr: str  # the rating before the match, as shown ("" when unknown)
    change: str  # signed ("+12"), "" until the result is final


@dataclass(frozen=True, slots=True)
class MatchCardData:
    match_id: int
    title: str  # "Match 123", translated
    status: str  # translated
    sides: tuple[MatchCardSide, ...]  # empty until both players confirmed
    map_name: str
    result: str  # translated; "" while there is none
    site: str


Name = Callable[[str], str]


def card_data(player: PublicPlayer, race_name: Name, country_name: Callable[[str], str | None], site: str,
              chart: RatingChart | None) -> CardData:
    """What a card shows: the three best played races by rating (names in the request's language)."""
    played = sorted((r for r in player.races if r.played and r.mmr is not None),
                    key=lambda r: -(r.mmr or 0))[:3]
    return CardData(
        ladder_id=player.player.ladder_id or 0,
        name=player.player.name,
        country=country_name(player.player.country) if player.player.country else None,
        lines=tuple(CardLine(race_name(r.race), r.mmr or 0, r.letter) for r in played),
        site=site,
        chart=chart,
    )


def match_card_data(
    match: PublicMatch, text: Callable[..., str], race_name: Name, site: str
) -> MatchCardData:
    """What a match's card shows; ``text`` is the pages' translation hook (``Texts``)."""
    sides = tuple(
        MatchCardSide(
            side.player.name if side.player else "?",
            race_name(side.race) if side.race else "",
            str(side.mmr_before) if side.mmr_before is not None else "",
            f"{side.mmr_change:+d}" if side.mmr_change is not None else "",
        )
        for side in match.sides
    ) if match.revealed else ()
    return MatchCardData(
        match_id=match.match_id,
        title=text("match.title", id=match.match_id),
        status=text("status." + match.status),
        sides=sides,
        map_name=match.map_name or "",
        result=text("outcome." + str(match.result)) if match.result is not None else "",
        site=site,
    )


class CardRenderer:
    def __init__(self, cjk: Sequence[Path] = CJK_FONTS, plain: Sequence[Path] = PLAIN_FONTS) -> None:
        self.path = next((p for p in cjk if p.exists()), None)
        self.full_coverage = self.path is not None
        if self.path is None:
            self.path = next((p for p in plain if p.exists()), None)
            event(log, "web.card_font_fallback", logging.WARNING,
                  font=str(self.path) if self.path else "pillow-default",
                  reason="no CJK font on this host (Debian: fonts-noto-cjk); names in other scripts "
                         "are shortened on link previews")

    def font(self, size: int) -> Font:
        from PIL import ImageFont

        if self.path is not None:
            return ImageFont.truetype(str(self.path), size)
        return ImageFont.load_default(size)

    def text(self, value: str, ladder_id: int) -> str:
        if self.full_coverage:
            return value
        kept = "".join(c for c in value if ord(c) < PLAIN_LIMIT).strip()
        return kept or f"#{ladder_id}"

    def render(self, data: CardData | MatchCardData) -> bytes:
        if isinstance(data, MatchCardData):
            return self.render_match(data)
        from PIL import Image, ImageDraw

        image = Image.new("RGB", (WIDTH, HEIGHT), BG)
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, WIDTH, 14), fill=ACCENT)
        draw.text((64, 60), self.text(data.name, data.ladder_id), font=self.font(84), fill=FG)
        if data.country:
            draw.text((64, 170), self.text(data.country, data.ladder_id), font=self.font(40), fill=MUTED)
        big, small = self.font(48), self.font(34)
        y = 260
        for line in data.lines:
            draw.text((64, y), f"{line.mmr}", font=big, fill=FG)
            draw.text((230, y + 8), f"{line.letter}", font=small, fill=ACCENT)
            draw.text((290, y + 8), self.text(line.race, data.ladder_id), font=small, fill=MUTED)
            y += 80
        if data.chart is not None:
            self._chart(draw, data.chart, (640, 250, 1140, 540))
        draw.text((64, HEIGHT - 70), data.site, font=self.font(30), fill=MUTED)
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()

    def render_match(self, data: MatchCardData) -> bytes:
        from PIL import Image, ImageDraw

        image = Image.new("RGB", (WIDTH, HEIGHT), BG)
        draw = ImageDraw.Draw(image)
        draw.rectangle((0, 0, WIDTH, 14), fill=ACCENT)
        fallback = data.match_id

        def say(value: str) -> str:
            return self.text(value, fallback) if value else ""

        draw.text((64, 56), say(data.title), font=self.font(72), fill=FG)
        draw.text((64, 150), say(data.status), font=self.font(40), fill=ACCENT)
        big, small = self.font(52), self.font(34)
        y = 240
        for i, side in enumerate(data.sides):
            draw.text((64, y), say(side.name), font=big, fill=COLORS[i % len(COLORS)])
            draw.text((64, y + 66), say(side.race), font=small, fill=MUTED)
            draw.text((720, y + 8), side.mmr, font=big, fill=FG)
            draw.text((900, y + 18), side.change, font=small, fill=ACCENT)
            y += 130
        if data.map_name or data.result:
            line = " · ".join(say(v) for v in (data.map_name, data.result) if v)
            draw.text((64, HEIGHT - 130), line, font=small, fill=FG)
        draw.text((64, HEIGHT - 70), data.site, font=self.font(30), fill=MUTED)
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
        return out.getvalue()

    @staticmethod
    def _chart(draw: ImageDraw.ImageDraw, chart: RatingChart, box: tuple[int, int, int, int]) -> None:
        series = [s for s in chart.series if len(s.times) > 1]
        if not series:
            return
        x0, y0, x1, y1 = box
        t_lo = min(s.times[0] for s in series)
        t_hi = max(s.times[-1] for s in series) or t_lo + 1
        r_lo = min(min(s.ratings) for s in series) - 10
        r_hi = max(max(s.ratings) for s in series) + 10
        span_t, span_r = max(1, t_hi - t_lo), max(1, r_hi - r_lo)
        draw.rectangle(box, outline=(221, 221, 238), width=2)
        for i, s in enumerate(series):
            points = [(x0 + (t - t_lo) * (x1 - x0) / span_t, y1 - (r - r_lo) * (y1 - y0) / span_r)
                      for t, r in zip(s.times, s.ratings, strict=True)]
            draw.line(points, fill=COLORS[i % len(COLORS)], width=4)


class CardCache:
    """Rendered cards by what they show (most recent ``size`` kept), rendered in an executor."""

    def __init__(self, renderer: CardRenderer, size: int = CACHE_SIZE) -> None:
        self._renderer = renderer
        self._size = size
        self._cards: OrderedDict[Hashable, bytes] = OrderedDict()

    async def card(self, key: Hashable, data: CardData | MatchCardData) -> bytes:
        found = self._cards.get(key)
        if found is not None:
            self._cards.move_to_end(key)
            return found
        png = await asyncio.get_running_loop().run_in_executor(None, self._renderer.render, data)
        self._cards[key] = png
        if len(self._cards) > self._size:
            self._cards.popitem(last=False)
        return png
