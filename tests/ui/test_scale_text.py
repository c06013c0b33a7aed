"""The patient's questionnaires read as the published, validated instruments (Pfizer's public-domain PHQ-9 and
GAD-7): a shortened or reworded item is no longer the validated question."""

from roomcontrol.domain.scales import SCALES
from roomcontrol.ui.scale_text import FREQUENCY, TEXT

PHQ9 = (
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety or "
    "restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead, or of hurting yourself in some way",
)
GAD7 = (
    "Feeling nervous, anxious or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
)


def test_phq9_and_gad7_items_are_the_published_wording_in_order():
    assert tuple(TEXT["PHQ-9"]["items"].values()) == PHQ9
    assert tuple(TEXT["GAD-7"]["items"].values()) == GAD7
    for name in ("PHQ-9", "GAD-7"):
        assert tuple(TEXT[name]["items"]) == SCALES[name].items
        assert TEXT[name]["anchors"] == FREQUENCY == ("Not at all", "Several days", "More than half the days",
                                                     "Nearly every day")
        assert TEXT[name]["hint"].startswith("Over the last 2 weeks, how often have you been bothered by")
