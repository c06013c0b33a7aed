#!/usr/bin/env python3
"""Make docs/protocols/<protocol>-page1.png (and -page2.png): play each shipped protocol's scenario
(scenarios/<protocol>.toml) with scripted vitals (tests/records/protocol_sessions.py), write its PDF record and
render the first pages to PNG with pdftoppm (Debian package poppler-utils), and an esketamine record's REMS
Patient Monitoring Form page as <protocol>-rems.png.

    .venv/bin/python scripts/protocol_pdfs.py [--out docs/protocols] [--pdf-dir DIR] [--pages 2] [--dpi 110]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from datetime import timezone  # noqa: E402

from roomcontrol.records.loader import load_record  # noqa: E402
from roomcontrol.ui.report.pdf import render_pdf  # noqa: E402
from tests.records.protocol_sessions import SHIPPED, START, protocol_session  # noqa: E402

# The clinic and room of the docs' other pictures (scripts/make_report_sample.py), so the docs show one clinic.
CLINIC_NAME, ROOM_NAME = "Harbour Ketamine Clinic", "Room 2 · Cedar"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "protocols")
    ap.add_argument("--pdf-dir", type=Path, help="also keep the PDFs here")
    ap.add_argument("--pages", type=int, default=2, help="how many first pages to render (default 2)")
    ap.add_argument("--dpi", type=int, default=110)
    ap.add_argument("protocols", nargs="*", default=list(SHIPPED))
    args = ap.parse_args()
    if not shutil.which("pdftoppm"):
        print("pdftoppm is missing: apt-get install poppler-utils", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for pid in args.protocols:
            data = Path(tmp) / pid
            sid = protocol_session(data, pid)
            pdf = (args.pdf_dir or Path(tmp)) / f"{pid}.pdf"
            pdf.parent.mkdir(parents=True, exist_ok=True)
            render_pdf(load_record(data, sid), pdf, clinic_name=CLINIC_NAME, room_name=ROOM_NAME,
                       tz=timezone.utc, generated_at=START.replace(hour=15))
            pages = {page: args.out / f"{pid}-page{page}.png" for page in range(1, args.pages + 1)}
            rems = _rems_page(pdf)
            if rems is not None:  # esketamine: the REMS Patient Monitoring Form, the record's last page
                pages[rems] = args.out / f"{pid}-rems.png"
            for page, png in pages.items():
                subprocess.run(["pdftoppm", "-png", "-r", str(args.dpi), "-f", str(page), "-l", str(page),
                                "-singlefile", str(pdf), str(png.with_suffix(""))], check=True)
                print(png)
    return 0


def _rems_page(pdf: Path) -> int | None:
    """The page number of the REMS form in `pdf` (pdftotext, from the same poppler-utils), or None."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    return next((n for n, page in enumerate(text.split("\f"), start=1) if "SPRAVATO REMS" in page), None)


if __name__ == "__main__":
    sys.exit(main())
