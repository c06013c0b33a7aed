"""HL7 messages shaped as real gateways send them (the shapes of public samples and interface specifications;
the values, ids and names are ours). Each is one string with CR segment ends, as it travels inside MLLP.

- NIST_PCD01: an IHE PCD-01 test message in the NIST/Gazelle style: LOINC primary, MDC alternate in OBX-3.4-6,
  UCUM and MDC units, a pleth as NA, statuses of table 0085 (R, F, D, W).
- MINDRAY_*: a Mindray eGateway / BeneView HL7 2.6 feed (tables 15-37 of its interface guide): MDC codes, the
  fraction without its dot in times, PV1-3 unit^^bed, capnography, ART and temperature, ORU^R40 alerts.
- PHILIPS_PIC: a Philips IntelliVue Information Center / PIC iX HL7 export: MDIL codes (0002-4bb8), PV1-3 with
  the bed label in subcomponents, reference ranges in OBX-7, a HardInop as TX with MDIL-ALERT, -100 for "none".
- GE_CSG: a GE CARESCAPE Gateway style feed: vendor label primary with the MDC alternate, OBX-18 equipment id,
  kPa for CO2 and pressures, an offset of hours only, NIBP with the cuff pressure while it inflates.
- COMEN: a Comen monitor's gateway: vendor numeric labels only, -100 / -1000 sentinels and dashes.
"""

NIST_PCD01 = "\r".join([
    "MSH|^~\\&|AcmeInc^ACDE48234567ABCD^EUI-64||||20260912081500-0400||ORU^R01^ORU_R01|NIST-PCD01-0042|P|2.6|||NE|"
    "AL||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO",
    "PID|||789567^^^Imaginary Hospital^PI||Doe^John^Joseph^^^^L",
    "PV1||I|3 West ICU^3045^1",
    "OBR|1|AB12345^AcmeAHDInc^ACDE48234567ABCD^EUI-64|CD12345^AcmeAHDInc^ACDE48234567ABCD^EUI-64|"
    "182777000^monitoring of patient^SCT|||20260912081500-0400",
    "OBX|1|NM|59408-5^Oxygen saturation in Arterial blood by Pulse oximetry^LN^150456^MDC_PULS_OXIM_SAT_O2^MDC|"
    "1.1.1.150456|97|%^percent^UCUM^262688^MDC_DIM_PERCENT^MDC|90-100||||R|||20260912081455-0400",
    "OBX|2|NM|8889-8^Heart rate by Pulse oximetry^LN^149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.1.1.149530|61|"
    "/min^per minute^UCUM^264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F",
    "OBX|3|NA|X-PLETH^Pleth^99ACME^150452^MDC_PULS_OXIM_PLETH^MDC|1.1.1.150452|"
    "2011^2103^2240^2398^2502^2471^2330^2187|262656^MDC_DIM_DIMLESS^MDC|||||R",
    "OBX|4|NM|9279-1^Respiratory rate^LN^151562^MDC_RESP_RATE^MDC|1.1.2.151562|14|"
    "/min^per minute^UCUM^264928^MDC_DIM_RESP_PER_MIN^MDC|||||D",
    "OBX|5|NM|8480-6^Systolic blood pressure^LN^150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.3.150021|128|"
    "mm[Hg]^millimeter of mercury^UCUM^266016^MDC_DIM_MMHG^MDC|||||W",
    "OBX|6|NM|8310-5^Body temperature^LN^150364^MDC_TEMP_BODY^MDC|1.1.4.150364|98.6|"
    "[degF]^degree Fahrenheit^UCUM^266560^MDC_DIM_FAHR^MDC|||||C",
]) + "\r"

MINDRAY_HEADER = ("MSH|^~\\&|MINDRAY_EGATEWAY^00A037009A0053DE^EUI-64|MINDRAY|||20260912143015000+0800||"
                  "ORU^R01^ORU_R01|{id}|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^"
                  "1.3.6.1.4.1.19376.1.6.1.1.1^ISO")


def mindray_numerics(control_id: str = "20871", bed: str = "12", spo2: str = "94") -> str:
    return "\r".join([
        MINDRAY_HEADER.format(id=control_id),
        "PID|||^^^Hospital^PI||^^^^^^L|||U",
        f"PV1||I|CCU^^{bed}&0&0^MINDRAY^^^^^{bed}",
        f"OBR|1|{control_id}^MINDRAY_EGATEWAY^00A037009A0053DE^EUI-64|{control_id}^MINDRAY_EGATEWAY^"
        "00A037009A0053DE^EUI-64|182777000^monitoring of patient^SCT|||20260912143014000+0800",
        "OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||BeneView T8^00A037009A0053DE",
        "OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.7.1.147842|112|264864^MDC_DIM_BEAT_PER_MIN^MDC|50-120|H|||R",
        f"OBX|3|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.150456|{spo2}|262688^MDC_DIM_PERCENT^MDC|90-100||||R",
        "OBX|4|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC|1.3.1.149530|111|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R",
        "OBX|5|NM|151708^MDC_CONC_AWAY_CO2_ET^MDC|1.9.1.151708|51|266016^MDC_DIM_MMHG^MDC|25-50|H|||R",
        "OBX|6|NM|151716^MDC_CONC_AWAY_CO2_INSP^MDC|1.9.1.151716|2|266016^MDC_DIM_MMHG^MDC|||||R",
        "OBX|7|NM|151594^MDC_CO2_RESP_RATE^MDC|1.9.1.151594|7|264928^MDC_DIM_RESP_PER_MIN^MDC|8-30|L|||R",
        "OBX|8|NM|150037^MDC_PRESS_BLD_ART_ABP_SYS^MDC|1.4.1.150037|138|266016^MDC_DIM_MMHG^MDC|||||R",
        "OBX|9|NM|150038^MDC_PRESS_BLD_ART_ABP_DIA^MDC|1.4.1.150038|71|266016^MDC_DIM_MMHG^MDC|||||R",
        "OBX|10|NM|150039^MDC_PRESS_BLD_ART_ABP_MEAN^MDC|1.4.1.150039|93|266016^MDC_DIM_MMHG^MDC|||||R",
        "OBX|11|NM|150344^MDC_TEMP^MDC|1.5.1.150344|36.9|268192^MDC_DIM_DEGC^MDC|||||R",
        "OBX|12|NM|150301^MDC_PRESS_CUFF_SYS^MDC|1.2.1.150301|121|266016^MDC_DIM_MMHG^MDC|||||R|||"
        "20260912142900000+0800",
        "OBX|13|NM|150302^MDC_PRESS_CUFF_DIA^MDC|1.2.1.150302|77|266016^MDC_DIM_MMHG^MDC|||||R|||"
        "20260912142900000+0800",
        "OBX|14|NM|150303^MDC_PRESS_CUFF_MEAN^MDC|1.2.1.150303|92|266016^MDC_DIM_MMHG^MDC|||||R|||"
        "20260912142900000+0800",
        "OBX|15|NA|131330^MDC_ECG_ELEC_POTL_II^MDC|1.7.6.131330|2048^2050^2101^2230^2077|||||||R",
        "OBX|16|NA|150452^MDC_PULS_OXIM_PLETH^MDC|1.3.6.150452|120^131^142^150^147|||||||R",
    ]) + "\r"


def mindray_alert(control_id: str, event: str, name: str, phase: str, kind: str = "ST", bed: str = "12",
                  source: str = "1.7.0") -> str:
    """A PCD-04 alert as the eGateway sends it (ORU^R40): the event in OBX-5 of MDC_EVT_ALARM, its phase and
    state after it; OBX-4 starts with the source channel (1.3.1.150456: SpO2)."""
    sub = f"{source}.{event}"
    return "\r".join([
        MINDRAY_HEADER.format(id=control_id).replace("ORU^R01^ORU_R01", "ORU^R40^ORU_R40"),
        "PID|||^^^Hospital^PI||^^^^^^L|||U",
        f"PV1||I|CCU^^{bed}&0&0",
        f"OBR|1|{control_id}^MINDRAY_EGATEWAY|{control_id}^MINDRAY_EGATEWAY|196616^MDC_EVT_ALARM^MDC|||"
        "20260912143020000+0800",
        f"OBX|1|CWE|196616^MDC_EVT_ALARM^MDC|{sub}.1|{event}^{name}^MDC|||A~PL~{kind}|||R|||20260912143020+0800",
        f"OBX|2|ST|68481^MDC_ATTR_EVENT_PHASE^MDC|{sub}.3|{phase}||||||R",
        f"OBX|3|ST|68482^MDC_ATTR_ALARM_STATE^MDC|{sub}.4|{'inactive' if phase == 'end' else 'active'}||||||R",
        f"OBX|4|ST|68484^MDC_ATTR_ALARM_PRIORITY^MDC|{sub}.6|PL||||||R",
    ]) + "\r"


def philips_pic(control_id: str = "HP104220879017992", inop: str = "SpO2 NO SENSOR") -> str:
    inop_obx = [f"OBX||TX|5^HardInop^MDIL-ALERT||{inop}||||||F"] if inop else []
    return "\r".join([
        f"MSH|^~\\&|||||||ORU^R01|{control_id}|P|2.3||||||8859/1",
        "PID|||MRN5733||Smith^John||19550508|M",
        "PV1||I|^^Doc1&5&1",
        "OBR|||||||20260912152630",
        "OBX||ST|0002-f887^Model^MDIL|0|Monitoring Data||||||F||CONFIGURATION",
        *inop_obx,
        "OBX||NM|0002-4182^HR^MDIL|0|58|0004-0aa0^bpm^MDIL|50-120||||F",
        "OBX||NM|0002-4bb8^SpO2^MDIL|0|-100|0004-0220^%^MDIL|90-100||||F",
        "OBX||NM|0002-480a^Pulse^MDIL|0|-100|0004-0aa0^bpm^MDIL|||||F",
        "OBX||NM|0002-500a^RR^MDIL|0|6|0004-0ae0^rpm^MDIL|8-30|A|||F",
        "OBX||NM|0002-4a05^NBPs^MDIL|0|104|0004-0f20^mmHg^MDIL|90-160||||F",
        "OBX||NM|0002-4a06^NBPd^MDIL|0|61|0004-0f20^mmHg^MDIL|||||F",
        "OBX||NM|0002-4a07^NBPm^MDIL|0|75|0004-0f20^mmHg^MDIL|||||F",
        "OBX||NM|0002-4b60^Tcore^MDIL|0|37.2|0004-17a0^°C^MDIL|||||F",
        "OBX||ST|0002-d007^RhySta^MDIL|0|Learning Rhythm||||||F",
    ]) + "\r"


def ge_csg(control_id: str = "CSG000781", equipment: str = "B650-SJ412088", cuff_mmhg: str = "0") -> str:
    return "\r".join([
        f"MSH|^~\\&|CARESCAPE_GW|GE HEALTHCARE|RC|CLINIC|20260912091502+02||ORU^R01|{control_id}|P|2.4",
        "PID|||A1234567||Moss^Kate",
        "PV1||O|INFUSION^^BAY3",
        "OBR|1|||VITALS^Vital signs^GE|||20260912091500+02",
        f"OBX|1|NM|HR^Heart rate^GE^147842^MDC_ECG_HEART_RATE^MDC||74|bpm|||||F|||20260912091500+02||||{equipment}",
        f"OBX|2|NM|CO2EX^End tidal CO2^GE^151708^MDC_AWAY_CO2_ET^MDC||5.1|kPa|||||F|||20260912091500+02||||"
        f"{equipment}",
        f"OBX|3|NM|RRC^Resp rate (CO2)^GE^151594^MDC_AWAY_RESP_RATE^MDC||13|/min|||||F|||20260912091500+02||||"
        f"{equipment}",
        f"OBX|4|NM|NBP-S^NIBP systolic^GE^150021^MDC_PRESS_BLD_NONINV_SYS^MDC||16.8|kPa|||||F|||"
        f"20260912090100+02||||{equipment}",
        f"OBX|5|NM|NBP-D^NIBP diastolic^GE^150022^MDC_PRESS_BLD_NONINV_DIA^MDC||10.4|kPa|||||F|||"
        f"20260912090100+02||||{equipment}",
        f"OBX|6|NM|NBP-CUFF^Cuff pressure^GE^150300^MDC_PRESS_CUFF^MDC||{cuff_mmhg}|mmHg|||||F||||||"
        f"{equipment}",
        f"OBX|7|NM|T1^Temp 1^GE^150344^MDC_TEMP^MDC||99.1|degF|||||F|||20260912091500+0200:00||||{equipment}",
    ]) + "\r"


COMEN = "\r".join([
    "MSH|^~\\&|COMEN|CMS|||20260912101010||ORU^R01|202609121010104734|P|2.4",
    "PID|||8812||Lee^Ann",
    "PV1||I|WARD2^^07",
    "OBR||||MONITOR|||20260912101010",
    "OBX||NM|40^HR||-100|bpm|50^120||||F",
    "OBX||NM|44^PR||71|bpm|50^120||||F",
    "OBX||NM|188^SPO2||97|%|90^100||||F",
    "OBX||NM|100^T1||-1000|C|36^39||||F",
    "OBX||NM|91^NIBP_M||-100|mmhg|60^110||||F",
    "OBX||ST|112^CO2Et||---|mmhg|||||F",
    "OBX||NM|1000^ST2||-10000||<20||||F",
]) + "\r"
