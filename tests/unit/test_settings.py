"""Settings come from RP_* variables (and the providers' own names), converted and checked; nothing else."""

from __future__ import annotations

import pytest
from researcher_pro.core.config import Settings


def test_prices_come_only_from_the_table_and_rp_prices() -> None:
    # Variables named like a price's fields must not change any price (they once did).
    settings = Settings.from_environ({"PER_REQUEST": "7", "INPUT_PER_MILLION": "1000", "RP_PER_REQUEST": "7"})
    assert settings.prices()["gpt-4o-mini"].per_request == 0.0
    assert settings.prices()["gpt-4o-mini"].input_per_million == 0.15
    priced = Settings.from_environ({"RP_PRICES": '{"gpt-4o-mini": {"per_request": 0.01}}'})
    assert priced.prices()["gpt-4o-mini"].per_request == 0.01


def test_values_are_converted_and_checked() -> None:
    settings = Settings.from_environ(
        {"rp_analysis_chunk_chars": "5000", "RP_WEBHOOK_ALLOW_LOOPBACK": "true", "OPENAI_BASE_URL": ""}
    )
    assert settings.analysis_chunk_chars == 5000 and settings.webhook_allow_loopback is True
    assert settings.openai_base_url is None


def test_page_reading_settings() -> None:
    defaults = Settings()
    assert defaults.fetch_allow_loopback is False
    assert (defaults.fetch_max_bytes, defaults.fetch_timeout_seconds) == (5 * 1024 * 1024, 10.0)
    assert defaults.page_cache_ttl_seconds == 86_400
    local = Settings.from_environ({"RP_FETCH_ALLOW_LOOPBACK": "true", "RP_FETCH_TIMEOUT_SECONDS": "2.5"})
    assert local.fetch_allow_loopback is True and local.fetch_timeout_seconds == 2.5


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RP_ANALYSIS_CHUNK_CHARS", "10"),
        ("RP_REPORT_URL_TTL_SECONDS", "86400"),
        ("RP_PROVIDER_TIMEOUT_SECONDS", "soon"),
        ("RP_MAX_STEP_ATTEMPTS", "three"),
        ("RP_WEBHOOK_ALLOW_LOOPBACK", "maybe"),
        ("RP_FETCH_ALLOW_LOOPBACK", "maybe"),
        ("RP_FETCH_MAX_BYTES", "0"),
        ("RP_FETCH_TIMEOUT_SECONDS", "600"),
        ("RP_PAGE_CACHE_TTL_SECONDS", "-1"),
    ],
)
def test_a_bad_value_stops_the_container_naming_the_variable(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=name):
        Settings.from_environ({name: value})


def test_settings_are_read_only() -> None:
    with pytest.raises(AttributeError):
        Settings().data_table = "another"  # type: ignore[misc]
