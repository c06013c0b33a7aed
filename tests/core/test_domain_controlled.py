"""The controlled-substance arithmetic and rules (domain/controlled.py): what may be drawn, the waste's balance
against the dose given, the witness in the same event, and the words discharge waits on."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from roomcontrol.domain import controlled as CS
from roomcontrol.domain import kinds as K
from roomcontrol.domain.errors import Refused
from roomcontrol.domain.events import Event
from roomcontrol.domain.protocol import ProtocolError, parse_protocol
from roomcontrol.domain.session import replay
from roomcontrol.domain.wording import describe

TODAY = date(2026, 11, 28)


def _drawn(ledger=CS.Ledger(), mg_per_ml=10, ml=5.0, lot="KT2291A", expiry="2027-06", drug=None, by="rn.ada"):
    return ledger.drawn(CS.draw_payload(ledger, "ketamine", drug, mg_per_ml, ml, lot, expiry, TODAY), by)


def test_a_draw_records_the_mg_it_holds_with_lot_and_the_labels_expiry():
    p = CS.draw_payload(CS.Ledger(), "ketamine", " Ketamine ", 10, 4.0, " KT2291A ", "2027-06", TODAY)
    assert p == {"drug": "ketamine", "mg_per_ml": 10.0, "ml": 4.0, "mg": 40.0, "lot": "KT2291A",
                 "expiry": "2027-06-30"}  # a month-only label expires at the end of its month
    assert CS.draw_payload(CS.Ledger(), "esketamine", None, 140, 0.4, "ESK-1", "2026-11-28", TODAY)["mg"] == 56.0


@pytest.mark.parametrize("expiry, words", [
    ("2026-11-27", "lot KT2291A expired on 2026-11-27: do not use it"),
    ("2026-10", "expired on 2026-10-31"),
    ("27/06/2027", "YYYY-MM-DD or YYYY-MM"), ("2027-13", "YYYY-MM-DD or YYYY-MM"),
    ("2027-02-30", "YYYY-MM-DD or YYYY-MM"), (20270630, "YYYY-MM-DD or YYYY-MM")])
def test_an_expired_or_unreadable_expiry_is_refused(expiry, words):
    with pytest.raises(Refused, match=words):
        CS.draw_payload(CS.Ledger(), "ketamine", None, 10, 4, "KT2291A", expiry, TODAY)


@pytest.mark.parametrize("args, words", [
    (dict(drug="midazolam"), "midazolam is not this session's drug: its protocol gives ketamine"),
    (dict(drug="x"), "the drug must be a generic name"),
    (dict(mg_per_ml=0), "the concentration must be a number from 0.1 to 200 mg/mL, got 0"),
    (dict(mg_per_ml=True), "the concentration must be a number"),
    (dict(ml=250), "the volume drawn must be a number from 0.01 to 100 mL"),
    (dict(lot=""), "the lot number must be the lot as printed"),
    (dict(lot=None), "the lot number must be"),
])
def test_a_wrong_drug_or_number_is_refused_naming_what_is_allowed(args, words):
    full = dict(drug=None, mg_per_ml=10, ml=4, lot="KT2291A", expiry="2027-06") | args
    with pytest.raises(Refused, match=words):
        CS.draw_payload(CS.Ledger(), "ketamine", full["drug"], full["mg_per_ml"], full["ml"], full["lot"],
                        full["expiry"], TODAY)


def test_a_second_draw_adds_up_at_the_same_concentration_only():
    ledger = _drawn(_drawn(), ml=2.5, lot="KT2300B")
    assert (ledger.drawn_mg, ledger.drawn_ml, ledger.drug, ledger.mg_per_ml) == (75.0, 7.5, "ketamine", 10.0)
    with pytest.raises(Refused, match="drawn at 10 mg/mL; a further draw must be the same concentration"):
        _drawn(ledger, mg_per_ml=50)


def test_waste_balances_drawn_against_given_and_the_tolerance():
    ledger = _drawn()                                              # 50 mg drawn
    assert CS.expected_waste(ledger, 36.25) == (13.75, 1.375)
    p = CS.waste_payload(ledger, 36.25, 1.4, "rn.bo", "rn.ada")   # 14 mg: 0.25 mg too much, within 0.5
    assert p == {"mg": 14.0, "ml": 1.4, "witness": "rn.bo", "given_mg": 36.25, "drawn_mg": 50.0,
                 "discrepancy_mg": -0.25, "tolerance_mg": 0.5, "explanation": None}
    assert CS.tolerance_mg(100) == 5.0 and CS.tolerance_mg(10) == 0.5
    with pytest.raises(Refused, match=r"drawn 50 mg ≠ given 36.25 mg \+ wasted 10 mg: 3.75 mg unaccounted for "
                                      r"\(tolerance 0.5 mg\); explain the discrepancy in words"):
        CS.waste_payload(ledger, 36.25, 1.0, "rn.bo", "rn.ada")
    with pytest.raises(Refused, match="2 mg too much"):
        CS.waste_payload(ledger, 36.25, 1.575, "rn.bo", "rn.ada", "   ")
    explained = CS.waste_payload(ledger, 36.25, 1.0, "rn.bo", "rn.ada", " syringe dropped, 0.4 mL lost ")
    assert (explained["discrepancy_mg"], explained["explanation"]) == (3.75, "syringe dropped, 0.4 mL lost")
    with pytest.raises(Refused, match="the explanation must be text of at most 300 characters"):
        CS.waste_payload(ledger, 36.25, 1.0, "rn.bo", "rn.ada", "x" * 301)
    with pytest.raises(Refused, match="the volume wasted must be a number from 0 to 100 mL"):
        CS.waste_payload(ledger, 36.25, -1, "rn.bo", "rn.ada")


def test_the_witness_is_a_second_person_and_there_is_no_second_waste():
    ledger = _drawn()
    with pytest.raises(Refused, match="the witness must be a second person, not the nurse recording the waste"):
        CS.waste_payload(ledger, 36.25, 1.375, "rn.ada", "rn.ada")
    with pytest.raises(Refused, match="nothing was drawn for this session"):
        CS.waste_payload(CS.Ledger(), 0.0, 0, "rn.bo", "rn.ada")
    done = ledger.wasted(CS.waste_payload(ledger, 36.25, 1.375, "rn.bo", "rn.ada"), "rn.ada")
    assert done.reconciled and done.waste == CS.Waste(13.75, 1.375, "rn.bo", 36.25, 0.0, None, "rn.ada")
    with pytest.raises(Refused, match="already recorded by rn.ada, witnessed by rn.bo; a witness cannot be added"):
        CS.waste_payload(done, 36.25, 1.375, "rn.cy", "rn.ada")
    with pytest.raises(Refused, match="already recorded and witnessed; nothing more can be drawn"):
        _drawn(done)


def test_discharge_words_until_reconciled():
    assert CS.unreconciled(CS.Ledger()) is None
    ledger = _drawn(_drawn(), ml=1, lot="A2")
    assert CS.unreconciled(ledger) == ("the ketamine drawn (60 mg, lot A2, KT2291A) is not reconciled: record the "
                                       "waste with a witness before discharge")
    assert CS.expected_waste(CS.Ledger(), 0.0) == (0.0, 0.0)


def _event(seq, kind, payload, actor="rn.ada", session="s1"):
    return Event(seq, f"e{seq}", "r1", session, datetime(2026, 11, 28, 9, seq, tzinfo=timezone.utc), kind, actor,
                 payload)


def test_the_session_folds_draws_and_the_witnessed_waste():
    opened = {"patient_ref": "PT-7", "course_no": 1, "weight_kg": 80, "dose_mg_per_kg": 0.5, "total_dose_mg": 40,
              "planned_infusion_min": 40, "rate_mg_per_h": 60}
    drawn = CS.draw_payload(CS.Ledger(), "ketamine", None, 10, 5, "KT2291A", "2027-06", TODAY)
    state = replay([_event(1, K.SESSION_OPENED, opened), _event(2, K.CS_DRAWN, drawn)])
    assert state.session is not None and state.session.controlled.drawn_mg == 50.0
    assert not state.session.controlled.reconciled
    wasted = CS.waste_payload(state.session.controlled, 40.0, 1.0, "rn.bo", "rn.ada")
    state = replay([_event(1, K.SESSION_OPENED, opened), _event(2, K.CS_DRAWN, drawn),
                    _event(3, K.CS_WASTED, wasted)])
    assert state.session is not None and state.session.controlled.waste is not None
    assert state.session.controlled.waste.witness == "rn.bo" and state.session.controlled.reconciled
    assert describe(_event(2, K.CS_DRAWN, drawn)) == ("Drawn: ketamine 50 mg (5 mL of 10 mg/mL), lot KT2291A, "
                                                      "expires 2027-06-30")
    assert describe(_event(3, K.CS_WASTED, wasted)) == ("Wasted: 10 mg (1 mL), witnessed by rn.bo; given 40 mg; "
                                                        "balanced")
    off = CS.waste_payload(state.session.controlled.__class__(draws=state.session.controlled.draws), 40.0, 0.5,
                           "rn.bo", "rn.ada", "spilt")
    assert describe(_event(3, K.CS_WASTED, off)).endswith("discrepancy 5 mg: spilt")


PROTOCOL = {"id": "p", "version": 1, "title": "P", "session_type": "iv_infusion",
            "phases": {"infusion_min": 40, "min_recovery_min": 30},
            "dose": {"mg_per_kg": 0.5, "bounds_mg_per_kg": [0.1, 1.0], "soft_max_mg_per_kg": 0.8}}


def test_a_protocol_names_its_drug_or_gets_its_session_types():
    assert parse_protocol(PROTOCOL, "p.toml").drug == "ketamine"
    assert parse_protocol({**PROTOCOL, "drug": "racemic-ketamine"}, "p.toml").drug == "racemic-ketamine"
    with pytest.raises(ProtocolError, match=r'drug = "Ketamine!": a generic name in lower case'):
        parse_protocol({**PROTOCOL, "drug": "Ketamine!"}, "p.toml")
