"""The aiohttp.web adapter: the public pages, the JSON API, health and metrics (DESIGN section 12).

Thin like the bot: a handler parses the request, calls one method of
:class:`evoladder.services.public.PublicLadder` (or the health checks), and renders a Jinja2
template or JSON. It runs on the bot's event loop and is started and closed by the composition
root (:mod:`evoladder.app`).
"""
