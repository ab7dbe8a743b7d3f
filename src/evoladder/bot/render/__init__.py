"""Renderers: plain results of the services -> embeds, views and text, one module per feature.

Pure functions (no I/O, no Discord calls), so every message can be tested by building it. The
words come from the catalogs (:mod:`evoladder.i18n.text`), in the language of the task that
renders (:mod:`evoladder.i18n.context`): a renderer that keeps results keys them by
``active_language()`` too.
"""
