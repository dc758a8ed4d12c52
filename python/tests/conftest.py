from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture
def baseline() -> Path:
    return ROOT / "scenarios" / "baseline.toml"


@pytest.fixture
def referral() -> Path:
    return ROOT / "scenarios" / "referral_policy.toml"
