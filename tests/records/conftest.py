"""Shared sessions for the record tests: played once per test run (about a second)."""

from __future__ import annotations

import pytest

from tests.records.session_factory import scripted_session


@pytest.fixture(scope="session")
def played(tmp_path_factory):
    """(data_dir, session_id) of the standard scenario played with vitals and one SpO2 alarm."""
    data_dir = tmp_path_factory.mktemp("standard")
    return data_dir, scripted_session(data_dir)
