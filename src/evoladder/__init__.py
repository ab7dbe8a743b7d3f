"""evoladder: a ranked 1v1 ladder for SC: Evo Complete, run as a Discord bot."""

__version__ = "0.1.0"
