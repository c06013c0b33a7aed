"""The FHIR export: a transaction Bundle the fhir.resources models accept, with stable conditional creates."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from roomcontrol.records import commands
from roomcontrol.records.fhir import build_bundle, stable_uuid, validate_bundle
from roomcontrol.records.loader import load_record
from tests.records.session_factory import CONFIG


@pytest.fixture(scope="module")
def bundle(played):
    data_dir, sid = played
    return commands.export_fhir(data_dir, CONFIG, sid[:8])


def resources(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def codes(concept):
    return {(c["system"], c["code"]) for c in concept.get("coding", [])}


def test_it_validates_and_is_a_transaction(bundle):
    validate_bundle(bundle)
    assert bundle["type"] == "transaction"
    kinds = {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == {"Procedure", "MedicationAdministration", "Observation"}
    json.dumps(bundle)  # plain JSON


@pytest.mark.parametrize("breakage", [
    lambda proc: proc["performedPeriod"].update(start="yesterday"),
    lambda proc: proc.update(dose_mg=36),
    lambda proc: proc.update(subject="PT-1042"),
])
def test_the_validator_is_real(bundle, breakage):
    broken = json.loads(json.dumps(bundle))
    breakage(broken["entry"][0]["resource"])
    with pytest.raises(ValidationError):
        validate_bundle(broken)


def test_every_entry_is_a_conditional_create_on_its_own_identifier(bundle):
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(urls) == len(set(urls))
    for e in bundle["entry"]:
        ident = e["resource"]["identifier"][0]
        assert ident == {"system": "urn:ietf:rfc:3986", "value": e["fullUrl"]}
        assert e["request"] == {"method": "POST", "url": e["resource"]["resourceType"],
                                "ifNoneExist": f"identifier=urn:ietf:rfc:3986|{e['fullUrl']}"}


def test_two_exports_are_identical_and_ids_come_from_room_and_event(played, bundle):
    data_dir, sid = played
    again = commands.export_fhir(data_dir, CONFIG, sid)
    assert again == bundle
    record = load_record(data_dir, sid)
    [proc] = resources(bundle, "Procedure")
    expected = stable_uuid(record.room_id, record.infusion.event_id, "Procedure")
    assert proc["identifier"][0]["value"] == f"urn:uuid:{expected}"
    other_room = build_bundle(record.__class__(**{**record.__dict__, "room_id": "room-9"}), CONFIG)
    assert {e["fullUrl"] for e in other_room["entry"]}.isdisjoint(e["fullUrl"] for e in bundle["entry"])


def test_the_procedure(bundle):
    [proc] = resources(bundle, "Procedure")
    assert proc["status"] == "completed"
    assert proc["subject"]["identifier"]["value"] == "PT-1042"
    assert proc["performedPeriod"]["start"] < proc["performedPeriod"]["end"]
    notes = " ".join(n["text"] for n in proc["note"])
    assert "patient asked for a short break" in notes and "escort confirmed" in notes
    assert proc["location"]["display"] == "Lakeside Ketamine Clinic, Room 3 (Willow)"


def test_medication_administrations(bundle):
    given = {m["medicationCodeableConcept"]["text"]: m for m in resources(bundle, "MedicationAdministration")}
    ket, ond = given["ketamine"], given["ondansetron"]
    assert ("http://www.whocc.no/atc", "N01AX03") in codes(ket["medicationCodeableConcept"])
    assert ket["dosage"]["dose"] == {"value": 36.25, "unit": "mg", "system": "http://unitsofmeasure.org",
                                     "code": "mg"}
    assert ket["dosage"]["rateQuantity"]["code"] == "mg/h"
    assert ("http://snomed.info/sct", "47625008") in codes(ket["dosage"]["route"])
    assert ond["dosage"]["dose"]["value"] == 4 and ond["reasonCode"][0]["text"] == "nausea"
    [proc] = resources(bundle, "Procedure")
    proc_url = next(e["fullUrl"] for e in bundle["entry"] if e["resource"] is proc)
    assert ket["partOf"] == [{"reference": proc_url}]


def test_vital_sign_observations_carry_loinc_and_mdc(bundle):
    obs = [o for o in resources(bundle, "Observation") if o["category"][0]["coding"][0]["code"] == "vital-signs"]
    by_code = {}
    for o in obs:
        for system, code in codes(o["code"]):
            by_code.setdefault((system, code), []).append(o)
    mdc = "urn:iso:std:iso:11073:10101"
    for loinc, ieee in (("8867-4", "147842"), ("59408-5", "150456"), ("9279-1", "151562"), ("85354-9", "150020"),
                        ("19889-5", "151708")):
        with_loinc = by_code[("http://loinc.org", loinc)]
        assert with_loinc and all((mdc, ieee) in codes(o["code"]) for o in with_loinc), loinc
    bp = by_code[("http://loinc.org", "85354-9")]
    comp = {c for o in bp for comp in o["component"] for c in codes(comp["code"])}
    assert {("http://loinc.org", "8480-6"), (mdc, "150021"), ("http://loinc.org", "8462-4"), (mdc, "150022")} <= comp
    baseline = [o for o in obs if "Baseline" in o.get("note", [{}])[0].get("text", "")]
    assert len(baseline) == 3  # HR, SpO2 and the BP panel
    hr = by_code[("http://loinc.org", "8867-4")]
    assert hr[0]["valueQuantity"]["code"] == "/min" and 14 <= len(hr) <= 18  # baseline + one per 5 min


def test_scales_are_observations_with_loinc_where_it_exists(bundle):
    surveys = [o for o in resources(bundle, "Observation") if o["category"][0]["coding"][0]["code"] == "survey"]
    phq = [o for o in surveys if ("http://loinc.org", "44261-6") in codes(o["code"])]
    assert len(phq) == 1 and phq[0]["valueInteger"] == 10
    assert {c for comp in phq[0]["component"] for c in codes(comp["code"])} >= {("http://loinc.org", "44250-9"),
                                                                               ("http://loinc.org", "44260-8")}
    padss = [o for o in surveys if ("urn:roomcontrol:scale", "PADSS") in codes(o["code"])]
    assert [o["valueInteger"] for o in padss] == [9, 10]


def test_etco2_is_an_observation_in_mmhg_every_5_minutes(bundle):
    obs = [o for o in resources(bundle, "Observation") if ("http://loinc.org", "19889-5") in codes(o["code"])]
    assert 14 <= len(obs) <= 18  # one per 5-minute mark (no baseline EtCO2)
    q = obs[0]["valueQuantity"]
    assert q["system"] == "http://unitsofmeasure.org" and q["code"] == "mm[Hg]" and 35 <= q["value"] <= 41
