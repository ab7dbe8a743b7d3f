"""User-facing text of the bot, one module per feature.

Every sentence a player or an admin reads lives in these modules (never inline in a cog, a view
or a renderer), so a translation replaces one module per feature and nothing else. Placeholders
use ``str.format`` names so translators can reorder them.
"""
