"""Shared fixtures: paths to the project and to ../shared (absent in a user's clone)."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DEV_GOLD = SHARED / "corpus" / "dev" / "gold.jsonl"
BENCH = SHARED / "corpus" / "bench" / "vn-news.jsonl"
SAMPLES = ROOT / "corpus" / "samples"


@pytest.fixture
def dev_gold():
    if not DEV_GOLD.exists():
        pytest.skip(f"{DEV_GOLD} is absent (it ships beside the project in CI only)")
    return DEV_GOLD
