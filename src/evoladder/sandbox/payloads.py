"""Discord JSON for the state objects: what the gateway dispatches and REST returns.

Shapes follow Discord's v10 API closely enough that discord.py parses them without special
cases (ids as strings, ISO timestamps, the fields its constructors index directly). Attachment
URLs point at this server's CDN route, so ``Attachment.read()`` in the bot downloads real bytes.
"""

from __future__ import annotations

from typing import Any

from .clock import iso
from .state import DM, Attachment, Channel, Command, Guild, Interaction, Member, Message, Role, State, User

LARGE_THRESHOLD = 250
ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
LOCALE = "en-US"

Json = dict[str, Any]


def user(u: User) -> Json:
    payload: Json = {
        "id": str(u.id),
        "username": u.username,
        "discriminator": "0",
        "global_name": u.global_name,
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
        "banner": None,
        "accent_color": None,
        "avatar_decoration_data": None,
    }
    if u.bot:
        payload["bot"] = True
    return payload


def role(r: Role) -> Json:
    return {
        "id": str(r.id),
        "name": r.name,
        "color": r.color,
        "colors": {"primary_color": r.color, "secondary_color": None, "tertiary_color": None},
        "hoist": r.hoist,
        "icon": None,
        "unicode_emoji": None,
        "position": r.position,
        "permissions": str(r.permissions),
        "managed": r.managed,
        "mentionable": r.mentionable,
        "flags": 0,
    }


def member(state: State, m: Member, *, with_user: bool = True) -> Json:
    payload: Json = {
        "nick": m.nick,
        "avatar": None,
        "banner": None,
        "roles": [str(r) for r in m.role_ids],
        "joined_at": iso(m.joined_at),
        "premium_since": None,
        "deaf": False,
        "mute": False,
        "flags": 0,
        "pending": False,
        "communication_disabled_until": None,
    }
    if with_user:
        payload["user"] = user(state.users[m.user_id])
    return payload


def channel(state: State, c: Channel) -> Json:
    last = str(c.last_message_id) if c.last_message_id else None
    if c.type == DM:
        recipient = state.users[c.recipient_id] if c.recipient_id else None
        return {
            "id": str(c.id),
            "type": DM,
            "last_message_id": last,
            "flags": 0,
            "recipients": [user(recipient)] if recipient else [],
        }
    return {
        "id": str(c.id),
        "type": c.type,
        "guild_id": str(c.guild_id),
        "name": c.name,
        "position": c.position,
        "permission_overwrites": [],
        "nsfw": False,
        "topic": c.topic,
        "last_message_id": last,
        "rate_limit_per_user": 0,
        "parent_id": None,
        "flags": 0,
    }


def guild(state: State, g: Guild) -> Json:
    text_channels = [state.channels[c] for c in g.channel_ids]
    return {
        "id": str(g.id),
        "name": g.name,
        "icon": None,
        "splash": None,
        "discovery_splash": None,
        "banner": None,
        "description": None,
        "owner_id": str(g.owner_id),
        "afk_channel_id": None,
        "afk_timeout": 300,
        "verification_level": 0,
        "default_message_notifications": 0,
        "explicit_content_filter": 0,
        "roles": [role(r) for r in g.roles.values()],
        "emojis": [],
        "stickers": [],
        "features": [],
        "mfa_level": 0,
        "application_id": None,
        "system_channel_id": str(text_channels[0].id) if text_channels else None,
        "system_channel_flags": 0,
        "rules_channel_id": None,
        "public_updates_channel_id": None,
        "safety_alerts_channel_id": None,
        "vanity_url_code": None,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "premium_progress_bar_enabled": False,
        "preferred_locale": LOCALE,
        "nsfw_level": 0,
        "max_members": 500000,
    }


def guild_create(state: State, g: Guild, *, all_members: bool) -> Json:
    """GUILD_CREATE: the guild with its channels, and members (all of them only when asked)."""
    shown = [m for m in g.members.values() if all_members or m.user_id == state.bot.id]
    bot_member = g.members.get(state.bot.id)
    return guild(state, g) | {
        "joined_at": iso(bot_member.joined_at if bot_member else state.now()),
        "large": len(g.members) > LARGE_THRESHOLD,
        "unavailable": False,
        "member_count": len(g.members),
        "members": [member(state, m) for m in shown],
        "channels": [channel(state, state.channels[c]) for c in g.channel_ids],
        "voice_states": [],
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
    }


def attachment(a: Attachment, cdn_base: str) -> Json:
    url = f"{cdn_base}/attachments/{a.channel_id}/{a.id}/{a.filename}"
    payload: Json = {
        "id": str(a.id),
        "filename": a.filename,
        "size": a.size,
        "url": url,
        "proxy_url": url,
        "content_type": a.content_type,
    }
    if a.description is not None:
        payload["description"] = a.description
    return payload


def message(state: State, m: Message, cdn_base: str) -> Json:
    payload: Json = {
        "id": str(m.id),
        "channel_id": str(m.channel_id),
        "type": m.type,
        "author": user(state.users[m.author_id]),
        "content": m.content,
        "timestamp": iso(m.created_at),
        "edited_timestamp": iso(m.edited_at) if m.edited_at else None,
        "tts": m.tts,
        "mention_everyone": m.mention_everyone,
        "mentions": [user(state.users[u]) for u in m.mentions if u in state.users],
        "mention_roles": [str(r) for r in m.mention_roles],
        "attachments": [attachment(a, cdn_base) for a in m.attachments],
        "embeds": m.embeds,
        "components": m.components,
        "pinned": False,
        "flags": m.flags,
    }
    payload |= _message_origin(state, m)
    if m.nonce is not None:
        payload["nonce"] = m.nonce
    if m.message_reference is not None:
        payload["message_reference"] = m.message_reference
    return payload


def _message_origin(state: State, m: Message) -> Json:
    """Webhook, application and interaction fields of a message sent as an interaction reply."""
    origin: Json = {}
    if m.webhook_id is not None:
        origin["webhook_id"] = str(m.webhook_id)
    if m.application_id is not None:
        origin["application_id"] = str(m.application_id)
    found = state.interactions.get(m.interaction_id) if m.interaction_id else None
    if found is not None:
        who = user(state.users[found.user_id])
        origin["interaction_metadata"] = {
            "id": str(found.id),
            "type": found.type,
            "user": who,
            "authorizing_integration_owners": _owners(found),
        }
        origin["interaction"] = {
            "id": str(found.id),
            "type": found.type,
            "name": found.data.get("name", ""),
            "user": who,
        }
    return origin


def message_event(state: State, m: Message, cdn_base: str) -> Json:
    """MESSAGE_CREATE/UPDATE data: the message plus guild_id and the author's member."""
    payload = message(state, m, cdn_base)
    ch = state.channels[m.channel_id]
    if ch.guild_id is not None:
        payload["guild_id"] = str(ch.guild_id)
        author = state.guilds[ch.guild_id].members.get(m.author_id)
        if author is not None and m.webhook_id is None:
            payload["member"] = member(state, author, with_user=False)
    return payload


def _owners(i: Interaction) -> Json:
    return {"0": str(i.guild_id) if i.guild_id else "0"}


def interaction(state: State, i: Interaction, cdn_base: str) -> Json:
    ch = state.channels[i.channel_id]
    payload: Json = {
        "id": str(i.id),
        "application_id": str(state.application_id),
        "type": i.type,
        "data": i.data,
        "token": i.token,
        "version": 1,
        "channel_id": str(i.channel_id),
        "channel": channel(state, ch),
        "app_permissions": str(state.permissions(i.guild_id, state.bot.id)) if i.guild_id else "0",
        "locale": state.users[i.user_id].locale,
        "entitlements": [],
        "entitlement_sku_ids": [],
        "authorizing_integration_owners": _owners(i),
        "context": 0 if i.guild_id else 1,
        "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
    }
    if i.guild_id is not None:
        m = state.member(i.guild_id, i.user_id)
        perms = str(state.permissions(i.guild_id, i.user_id))
        payload["guild_id"] = str(i.guild_id)
        guild_locale = state.users[i.user_id].guild_locale or LOCALE
        payload["guild"] = {"id": str(i.guild_id), "locale": guild_locale, "features": []}
        payload["guild_locale"] = guild_locale
        payload["member"] = member(state, m) | {"permissions": perms}
    else:
        payload["user"] = user(state.users[i.user_id])
    if i.source_message_id is not None:
        payload["message"] = message(state, state.messages[i.source_message_id], cdn_base)
    return payload


def command(c: Command) -> Json:
    d = c.definition
    kind = c.type
    perms = d.get("default_member_permissions")
    payload: Json = {
        "id": str(c.id),
        "application_id": str(c.application_id),
        "version": str(c.version),
        "type": kind,
        "name": d["name"],
        "name_localizations": d.get("name_localizations"),
        "description": d.get("description") or "",
        "description_localizations": d.get("description_localizations"),
        "options": d.get("options") or [],
        "default_member_permissions": None if perms is None else str(perms),
        "dm_permission": d.get("dm_permission", True),
        "contexts": d.get("contexts"),
        "integration_types": d.get("integration_types") or [0],
        "nsfw": bool(d.get("nsfw")),
    }
    if c.guild_id is not None:
        payload["guild_id"] = str(c.guild_id)
    return payload


def application(state: State) -> Json:
    return {
        "id": str(state.application_id),
        "name": state.bot.username,
        "icon": None,
        "description": "evoladder local Discord sandbox",
        "summary": "",
        "type": None,
        "bot": user(state.bot),
        "bot_public": True,
        "bot_require_code_grant": False,
        "verify_key": "0" * 64,
        "flags": 0,
        "owner": user(state.bot),
        "team": None,
        "guild_id": None,
        "tags": [],
        "redirect_uris": [],
        "interactions_endpoint_url": None,
        "approximate_guild_count": len(state.guilds),
        "integration_types_config": {"0": {}},
    }
