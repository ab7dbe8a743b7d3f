"""Persistent components (``DynamicItem`` subclasses) shared by the notifier and the cogs.

Their custom ids carry what the handler needs (``evo:match:<id>:confirm``), so discord.py finds
the class from the id alone after a restart. The notifier puts them on the messages it sends; the
cog of the feature lists them in its ``dynamic_items`` so the bot registers them at start.
"""
