from __future__ import annotations

import sys
from pathlib import Path

# The match kit (seed helpers, the fake clock) lives with the service tests.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "services"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
