"""Renderers: plain results of the services -> embeds, views and text, one module per feature.

Pure functions (no I/O, no Discord calls), so every message can be tested by building it. The
words come from :mod:`evoladder.bot.strings`.
"""
