"""The discord.py adapter: thin cogs over the services, one wrapper around every interaction.

Layout:

- ``client.py``: :class:`LadderBot` (intents, gateway, command sync, cogs, persistent items).
- ``interaction.py``: the wrapper (:class:`Flows`) and what features build on: ``LadderCog``,
  ``ladder_command``, ``LadderItem`` (persistent buttons), ``LadderModal``, ``LadderView``.
- ``reply.py``: what a handler returns (``Reply``, ``ModalReply``, ``Ack``, ``NoReply``).
- ``errors.py``: typed errors -> their message; anything else -> a reference id.
- ``outbound.py``: paced, ordered, rate-limit-aware queue for the bot's own messages.
- ``notifier.py``: the services' Notifier port (DMs, match-message edits, admin log).
- ``transport.py``: where discord.py connects; interaction callbacks sent exactly once.
- ``lifecycle.py``: admission of interactions and the shutdown on SIGTERM / Ctrl-C.
- ``deps.py``: ``BotDeps``, the services a cog may use.
- ``cogs/``, ``components/``, ``render/``, ``strings/``: one module per feature each.

A feature cog, end to end::

    # strings/profile.py
    PROFILE_DESCRIPTION = "Your ratings, record and account status"

    # cogs/profile.py
    class ProfileCog(LadderCog):
        @ladder_command(name="profile", description=text.PROFILE_DESCRIPTION)
        async def profile(self, call: Call) -> Reply:
            profile = await self.deps.profiles.profile(call.uid)   # one service call
            call.checkpoint("reads")
            return render.profile(profile)                         # pure: result -> Reply

    # cogs/__init__.py
    FEATURE_COGS = (HelpCog, PingCog, MatchCog, ProfileCog)

The wrapper has already logged the call, started the timing, checked the DM-only rule and run
the guard (the policy named like the command, see ``services/guard.py``) before ``profile``
runs, and it sends the reply (ephemeral in guilds, plain in DMs) and maps any error afterwards.
"""
