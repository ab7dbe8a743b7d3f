"""Game facts (races, maps, regions, servers, the mod, countries) loaded from packaged data."""

from evoladder.game.loader import GameDataError, load_game_data
from evoladder.game.models import Game, GameData

__all__ = ["Game", "GameData", "GameDataError", "load_game_data"]
