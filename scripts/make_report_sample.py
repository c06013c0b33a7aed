#!/usr/bin/env python3
"""Make docs/report-first-page.png: play the standard scenario with scripted vitals (tests/records/
session_factory.py), write its PDF record, and render the first page to PNG with pdftoppm
(Debian package poppler-utils).

    .venv/bin/python scripts/make_report_sample.py [--pdf out.pdf] [--png docs/report-first-page.png]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from roomcontrol.records.loader import load_record  # noqa: E402
from roomcontrol.ui.report.pdf import render_pdf  # noqa: E402
from tests.records.session_factory import START, scripted_session  # noqa: E402

# The clinic and room of the docs' screenshots (scripts/screenshots.py), so the docs show one clinic.
CLINIC_NAME, ROOM_NAME = "Harbour Ketamine Clinic", "Room 3 · Willow"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pdf", type=Path, help="also keep the PDF here")
    ap.add_argument("--png", type=Path, default=ROOT / "docs" / "report-first-page.png")
    ap.add_argument("--dpi", type=int, default=110)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        sid = scripted_session(tmp / "data")
        pdf = args.pdf or tmp / "report.pdf"
        render_pdf(load_record(tmp / "data", sid), pdf, clinic_name=CLINIC_NAME, room_name=ROOM_NAME,
                   tz=timezone.utc, generated_at=START.replace(hour=10))
        args.png.parent.mkdir(parents=True, exist_ok=True)
        if not shutil.which("pdftoppm"):
            print("pdftoppm is missing: apt-get install poppler-utils", file=sys.stderr)
            return 1
        subprocess.run(["pdftoppm", "-png", "-r", str(args.dpi), "-f", "1", "-l", "1", "-singlefile",
                        str(pdf), str(args.png.with_suffix(""))], check=True)
    print(args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
