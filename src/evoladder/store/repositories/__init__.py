"""Repositories: typed reads and writes over one connection of a unit of work."""
