#!/usr/bin/env bash
# The Debian/Ubuntu libraries the Qt (PySide6) wheels load (offscreen for tests, xcb for a real screen), and
# poppler-utils, whose pdftotext the report tests read the PDF with, and Debian's Chromium, the real browser the
# station's tests drive headless (Playwright's own browser download does not run here), and dbus, whose
# dbus-daemon the sleep-inhibit tests start as a private bus.
# Installs what is missing when run as root (or with sudo available); otherwise prints the exact command.
set -euo pipefail
need=(libegl1 libgl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
      libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-image0 libxcb-render-util0 libxcb-shape0
      libxcb-xinerama0 libxcb-randr0 poppler-utils chromium dbus)
command -v dpkg >/dev/null 2>&1 || exit 0   # not Debian-like: see README for the packages
missing=()
for p in "${need[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
# Debian's python3 makes virtual environments only with python3-venv (ensurepip) installed.
python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=("python3-venv")
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "Qt needs these system packages; install them with:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing system packages for Qt and the station tests: ${missing[*]}" >&2
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
