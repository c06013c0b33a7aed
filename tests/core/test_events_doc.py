"""docs/EVENTS.md carries the event vocabulary a reader of the README needs, generated from domain/kinds.py."""

import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_events_doc_is_current_and_lists_every_kind():
    script = runpy.run_path(str(ROOT / "scripts" / "make_events_doc.py"))
    text = (ROOT / "docs" / "EVENTS.md").read_text(encoding="utf-8")
    assert text == script["render"](), "docs/EVENTS.md is stale: run .venv/bin/python scripts/make_events_doc.py"
    for kind in script["kinds"]():
        assert f"| `{kind}` |" in text, kind
    assert "symptom.noted" in text and "(moderate)" in text and "for nausea" in text


def test_the_readme_points_at_the_projects_own_docs():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme and "DESIGN.md" not in readme
    assert "docs/ARCHITECTURE.md" in readme and "docs/EVENTS.md" in readme
