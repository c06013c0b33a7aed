"""Wording of the assessment scales on screen (items and answer anchors). Scores and ranges are in
roomcontrol.domain.scales; this is only what the nurse or patient reads.

PHQ-9 and GAD-7 are the published instruments word for word (Pfizer's public-domain PHQ-9 and GAD-7, developed by
Drs. Spitzer, Williams, Kroenke and colleagues): validated questionnaires, never to be shortened or reworded."""

from typing import TypedDict


class ScaleText(TypedDict):
    title: str
    hint: str
    anchors: tuple[str, ...]  # the answer for each score, 0 up
    items: dict[str, str]     # item → its question


FREQUENCY = ("Not at all", "Several days", "More than half the days", "Nearly every day")
INTENSITY = ("Not at all", "Slightly", "Moderately", "Considerably", "Extremely")

TEXT: dict[str, ScaleText] = {
    "PADSS": {
        "title": "PADSS — discharge readiness",
        "hint": "Score each 0–2. Discharge needs the clinic's minimum total.",
        "anchors": ("0", "1", "2"),
        "items": {
            "vital_signs": "Vital signs (2: within 20 % of baseline · 1: 20–40 % · 0: over 40 %)",
            "activity": "Activity (2: steady gait, no dizziness · 1: needs help · 0: cannot walk)",
            "nausea_vomiting": "Nausea / vomiting (2: minimal · 1: moderate · 0: severe)",
            "pain": "Pain (2: acceptable on oral analgesia · 1: not quite · 0: not acceptable)",
            "bleeding": "Bleeding at the IV site (2: minimal · 1: moderate · 0: severe)",
        },
    },
    "CADSS-6": {
        "title": "CADSS-6 — dissociation",
        "hint": "Ask the patient; score how strongly each was felt just now.",
        "anchors": INTENSITY,
        "items": {
            "slow_motion": "Things seemed to be moving in slow motion",
            "unreal": "Things seemed unreal, as if in a dream",
            "body_changed": "The body felt changed (larger, smaller, detached)",
            "separated": "Felt separated from what was happening",
            "time_changed": "The sense of time changed",
            "colours_changed": "Colours or sounds seemed different",
        },
    },
    "MOAA/S": {  # Chernik et al., J Clin Psychopharmacol 1990 (modified OAA/S, responsiveness)
        "title": "MOAA/S — sedation",
        "hint": "Say the patient's name in a normal tone first; go down the list only if there is no ready response.",
        "anchors": ("0 none", "1 squeeze", "2 prodding", "3 loud name", "4 lethargic", "5 readily"),
        "items": {
            "responsiveness": ("Responsiveness — 5: responds readily to name spoken in a normal tone · 4: lethargic "
                               "response to name in a normal tone · 3: responds only after name is called loudly "
                               "and/or repeatedly · 2: only after mild prodding or shaking · 1: only after a painful "
                               "trapezius squeeze · 0: no response to a painful trapezius squeeze"),
        },
    },
    "PHQ-9": {
        "title": "How have you been feeling? (PHQ-9)",
        "hint": "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
        "anchors": FREQUENCY,
        "items": {
            "q1": "Little interest or pleasure in doing things",
            "q2": "Feeling down, depressed, or hopeless",
            "q3": "Trouble falling or staying asleep, or sleeping too much",
            "q4": "Feeling tired or having little energy",
            "q5": "Poor appetite or overeating",
            "q6": "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
            "q7": "Trouble concentrating on things, such as reading the newspaper or watching television",
            "q8": ("Moving or speaking so slowly that other people could have noticed? Or the opposite — being so "
                   "fidgety or restless that you have been moving around a lot more than usual"),
            "q9": "Thoughts that you would be better off dead, or of hurting yourself in some way",
        },
    },
    "GAD-7": {
        "title": "How have you been feeling? (GAD-7)",
        "hint": "Over the last 2 weeks, how often have you been bothered by the following problems?",
        "anchors": FREQUENCY,
        "items": {
            "q1": "Feeling nervous, anxious or on edge",
            "q2": "Not being able to stop or control worrying",
            "q3": "Worrying too much about different things",
            "q4": "Trouble relaxing",
            "q5": "Being so restless that it is hard to sit still",
            "q6": "Becoming easily annoyed or irritable",
            "q7": "Feeling afraid as if something awful might happen",
        },
    },
}
