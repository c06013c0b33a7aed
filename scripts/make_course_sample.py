"""Make docs/course-first-page.png: three real rooms play a patient's sessions (tests/sync/course_rooms.py), their
pushers sync to a hub on loopback, `roomcontrol course` reads the course with a reader token and writes the PDF,
and pdftoppm renders its first page.

    .venv/bin/python scripts/make_course_sample.py [--pdf out.pdf] [--png docs/course-first-page.png]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from roomcontrol.cli.main import main as cli_main  # noqa: E402
from roomcontrol.sync.hub.db import HubDB  # noqa: E402
from roomcontrol.sync.hub.server import ThreadedHub  # noqa: E402
from roomcontrol.sync.hub.store import add_reader  # noqa: E402
from tests.sync.course_rooms import PATIENT, play_course, sync_rooms  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdf", type=Path)
    ap.add_argument("--png", type=Path, default=ROOT / "docs" / "course-first-page.png")
    ap.add_argument("--dpi", type=int, default=110)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rc-course-") as tmp:
        dirs, _ids, _other = play_course(Path(tmp))
        db = HubDB(Path(tmp) / "hub.db")
        with ThreadedHub(db) as hub:
            sync_rooms(db, dirs, hub.url)
            pdf = args.pdf or Path(tmp) / "course.pdf"
            cli_main(["course", PATIENT, "--hub", hub.url, "--token", add_reader(db, "chart"), "--pdf", str(pdf),
                      "--clinic", "Lakeside Ketamine Clinic"])
        db.close()
        if not shutil.which("pdftoppm"):
            print("pdftoppm is missing: apt-get install poppler-utils", file=sys.stderr)
            return 1
        subprocess.run(["pdftoppm", "-png", "-r", str(args.dpi), "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(args.png.with_suffix(""))], check=True)
    print(args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main())
