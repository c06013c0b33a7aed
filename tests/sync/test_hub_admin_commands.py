"""The hub's admin subcommands come from one table (sync/hub/admin_commands.py): `roomcontrol hub ...` and
`python -m roomcontrol.sync.hub ...` offer the same ones and answer alike; a mistake is one line, never a
traceback."""

from __future__ import annotations

import json

import pytest

from roomcontrol.cli.main import main as cli_main
from roomcontrol.sync.hub import admin_commands
from roomcontrol.sync.hub.__main__ import main as hub_main


def test_both_entry_points_offer_the_tables_subcommands(capsys):
    for main, prefix in ((cli_main, ["hub"]), (hub_main, [])):
        with pytest.raises(SystemExit):
            main([*prefix, "--help"])
        listed = capsys.readouterr().out
        assert all(name in listed for name in admin_commands.COMMANDS)
    with pytest.raises(SystemExit):
        hub_main(["install-service"])  # the room's own additions stay with the room's CLI
    assert "invalid choice" in capsys.readouterr().err


@pytest.mark.parametrize("main, prefix", [(cli_main, ["hub"]), (hub_main, [])], ids=["roomcontrol", "python-m"])
def test_a_room_added_and_verified_through_either_entry_point(tmp_path, capsys, main, prefix):
    db = str(tmp_path / "hub.db")
    assert main([*prefix, "add-room", "--db", db, "room-1"]) == 0
    token = capsys.readouterr().out.strip()
    assert len(token) >= 20
    assert main([*prefix, "verify", "--db", db, "room-1"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert main([*prefix, "cs-log", "--db", db, "--from", "2026-01-06", "--to", "2026-01-05"]) == 2
    assert "error:" in capsys.readouterr().err


@pytest.mark.parametrize("main, prefix", [(cli_main, ["hub"]), (hub_main, [])], ids=["roomcontrol", "python-m"])
def test_a_tls_mistake_is_one_line_before_the_hub_listens(tmp_path, capsys, main, prefix):
    assert main([*prefix, "serve", "--db", str(tmp_path / "hub.db"), "--cert", str(tmp_path / "c.pem")]) == 2
    err = capsys.readouterr().err
    assert "error: TLS needs both a certificate file and its key file" in err and "Traceback" not in err
