"""The draw before the first dose (issue #15 item 6: the vial or syringe is recorded "at check-in or start").

A protocol with `draw_before_dose = true` holds the start of dosing (start_infusion, or the first nasal device)
until this session's log holds a draw (cs.drawn) of the protocol's own drug. The engine's guard
(domain/commands.py, start_infusion) and the session card (ui/screens/session_card.py) read this one rule, so the
screen says why Start waits in the words the room would refuse it with.
"""

from __future__ import annotations

from roomcontrol.domain.controlled import Ledger
from roomcontrol.domain.protocol import Protocol


def draw_missing(protocol: Protocol | None, ledger: Ledger) -> str | None:
    """Why dosing must wait for the draw, in the nurse's words; None when the protocol does not require one or
    a draw of its drug is recorded. A draw of another drug does not count (the room refuses one; a session's
    protocol whose drug was changed since still needs its own)."""
    if protocol is None or not protocol.draw_before_dose:
        return None
    if any(d.drug == protocol.drug for d in ledger.draws):
        return None
    return f"Record the {protocol.drug} drawn (lot, expiry) before the first dose: this protocol requires it"
