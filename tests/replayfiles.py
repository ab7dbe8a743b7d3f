"""The real replays of ``../shared/replays`` for the tests: finding them and parsing them.

The shared folder is ``$EVOLADDER_SHARED_DIR`` when set, else ``shared`` beside the checkout
(``tests/conftest.py`` serves it as the ``shared`` fixture). Parsing here runs in this process with
the packaged race lookup (the worker pool has its own tests).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

from evoladder.game import load_game_data
from evoladder.game.replay_parse import ParsedReplay, RaceLookup, parse_replay

SKIP_REASON = "../shared/replays not found beside the checkout; set EVOLADDER_SHARED_DIR"


def shared_dir() -> Path | None:
    env = os.environ.get("EVOLADDER_SHARED_DIR")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[1].parent / "shared")
    return next((c for c in candidates if (c / "replays").is_dir()), None)


def find_replay_dir() -> Path | None:
    """The shared replay folder, or None when it is not there."""
    shared = shared_dir()
    return shared / "replays" if shared else None


def replay_dir() -> Path:
    """The shared replay folder; skips the test when it is not there."""
    found = find_replay_dir()
    if found is None:
        pytest.skip(SKIP_REASON)
    return found


@cache
def races() -> RaceLookup:
    return RaceLookup(load_game_data().races.values())


@cache
def parse_file(name: str | Path) -> ParsedReplay:
    """Parse a file of the replay folder (``name`` relative to it, or a full path)."""
    outcome = parse_replay((replay_dir() / name).read_bytes(), races())
    assert isinstance(outcome, ParsedReplay), outcome
    return outcome
