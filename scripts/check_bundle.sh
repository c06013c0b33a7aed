#!/usr/bin/env bash
# Checks a built bundle (default dist/roomcontrol) as a clinic PC would run it: a clean environment (env -i with
# PATH, HOME and a temporary XDG dir only; no PYTHONPATH, no venv), from a folder with a space in its name.
# Runs --version, a headless scenario, log verify, report --pdf, the room window (offscreen, and on Xvfb's xcb when
# xvfb-run is there) and the hub's health endpoint (on PostgreSQL too when ROOMCONTROL_TEST_PG_URL is set).
# Any failure prints what failed with its output and exits 1.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUNDLE="$(cd "${1:-$ROOT/dist/roomcontrol}" && pwd)" || { echo "check_bundle: no bundle at ${1:-dist/roomcontrol}" >&2; exit 1; }
EXE="$BUNDLE/roomcontrol"
[[ -x "$EXE" ]] || { echo "check_bundle: $EXE is not an executable" >&2; exit 1; }
WORK="$(mktemp -d "${TMPDIR:-/tmp}/roomcontrol bundle check.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/xdg runtime" "$WORK/home"
chmod 700 "$WORK/xdg runtime"
cd "$WORK"
DATA="$WORK/room data"
PGURL="${ROOMCONTROL_TEST_PG_URL:-}"

clean() {  # the bundle's command in a clean environment
    env -i PATH=/usr/bin:/bin HOME="$WORK/home" XDG_RUNTIME_DIR="$WORK/xdg runtime" \
        XDG_DATA_HOME="$WORK/home/.local/share" "$@"
}
fail() { echo "check_bundle: FAILED: $1" >&2; [[ -f "${2:-}" ]] && sed 's/^/  | /' "$2" >&2; exit 1; }
step() { printf 'check_bundle: %-64s' "$1"; }
ok() { echo "ok${1:+ ($1)}"; }

step "--version"
clean timeout 60 "$EXE" --version >out.txt 2>&1 || fail "--version" out.txt
grep -q '^roomcontrol [0-9]' out.txt || fail "--version printed no version" out.txt
ok "$(cat out.txt)"

step "headless scenario (bundled name) into a data dir with a space"
clean timeout 300 "$EXE" run --headless --simulate --scenario standard-session --speed 600 \
    --data-dir "$DATA" >run.txt 2>&1 || fail "run --headless --scenario standard-session" run.txt
grep -q 'session.discharged' run.txt || fail "the scenario did not reach discharge" run.txt
ok "$(grep -c '^20' run.txt) events"

step "headless scenario by path (a copy in a folder with a space)"
mkdir -p "$WORK/my scenarios" && cp "$BUNDLE/_internal/scenarios/alarms-session.toml" "$WORK/my scenarios/"
clean timeout 300 "$EXE" run --headless --simulate --scenario "$WORK/my scenarios/alarms-session.toml" --speed 600 \
    --data-dir "$WORK/alarms data" >alarms.txt 2>&1 || fail "run --headless --scenario PATH" alarms.txt
grep -q 'alarm.raised' alarms.txt || fail "the alarms scenario raised no alarm" alarms.txt
ok

step "log verify"
clean timeout 60 "$EXE" log verify --data-dir "$DATA" >verify.txt 2>&1 || fail "log verify" verify.txt
ok "$(cat verify.txt)"

step "report --pdf"
clean timeout 60 "$EXE" report --list --data-dir "$DATA" >list.txt 2>&1 || fail "report --list" list.txt
SESSION="$(awk 'NR==1{print $1}' list.txt)"
[[ -n "$SESSION" ]] || fail "report --list named no session" list.txt
clean timeout 120 "$EXE" report "$SESSION" --pdf "$WORK/session record.pdf" --data-dir "$DATA" >pdf.txt 2>&1 \
    || fail "report --pdf" pdf.txt
head -c 5 "$WORK/session record.pdf" | grep -q '%PDF-' || fail "report --pdf wrote no PDF" pdf.txt
ok "$(stat -c %s "$WORK/session record.pdf") bytes"

step "export fhir (FHIR R4B models validate the Bundle)"
clean timeout 120 "$EXE" export fhir "$SESSION" --data-dir "$DATA" >fhir.json 2>fhir.err || fail "export fhir" fhir.err
grep -q '"resourceType": "Bundle"' fhir.json || fail "export fhir wrote no Bundle" fhir.json
ok

step "the hub's station page files (all of the source's)"
STATION="roomcontrol/sync/hub/station"
if [[ -d "$ROOT/$STATION" ]]; then
    missing=$(cd "$ROOT/$STATION" && find . -type f ! -name '*.py' ! -name '*.pyc' ! -path '*__pycache__*' \
              | while read -r f; do [[ -f "$BUNDLE/_internal/$STATION/$f" ]] || echo "$f"; done)
    [[ -z "$missing" ]] || { echo "$missing" >missing.txt; fail "station files missing from the bundle" missing.txt; }
    ok "$(find "$BUNDLE/_internal/$STATION" -type f | wc -l) files"
else
    ok "none in this source tree"
fi

window() {  # $1: label, rest: the command prefix; the window must still be up after 10 s, with no traceback
    local label="$1"; shift
    clean "$@" "$EXE" run --simulate --data-dir "$WORK/window data $label" >"window-$label.txt" 2>&1 &
    local pid=$!
    sleep 10
    kill -0 "$pid" 2>/dev/null || fail "the room window ($label) exited early" "window-$label.txt"
    kill -TERM "$pid"; sleep 2; kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    grep -q 'Traceback' "window-$label.txt" && fail "the room window ($label) raised" "window-$label.txt"
    return 0
}
step "room window, Qt offscreen platform"
window offscreen env QT_QPA_PLATFORM=offscreen && ok
if command -v xvfb-run >/dev/null; then
    step "room window, Qt xcb platform on Xvfb"
    window xcb xvfb-run -a env QT_QPA_PLATFORM=xcb && ok
fi

hub() {  # $1: label, $2: --db value
    local port; port=$(( 20000 + RANDOM % 20000 ))
    clean PSYCOPG_IMPL=binary timeout 60 "$EXE" hub serve --db "$2" --port "$port" >"hub-$1.txt" 2>&1 &
    local pid=$! body=""
    for _ in $(seq 1 60); do
        body="$(curl -s -m 2 "http://127.0.0.1:$port/api/v1/health" || true)"
        [[ -n "$body" ]] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
    [[ "$body" == *'"ok":true'* ]] || fail "hub serve ($1): health did not answer (got: $body)" "hub-$1.txt"
    echo "$body"
}
step "hub serve (SQLite), health endpoint"
ok "$(hub sqlite "$WORK/hub.db")"
if [[ -n "$PGURL" ]] && command -v psql >/dev/null; then
    # A schema of its own (as tests/sync/conftest.py does), dropped afterwards.
    SCHEMA="bundle_check_$$"
    psql -q "$PGURL" -c "CREATE SCHEMA $SCHEMA" || fail "cannot create a schema on $PGURL"
    trap 'psql -q "$PGURL" -c "DROP SCHEMA IF EXISTS $SCHEMA CASCADE" >/dev/null 2>&1; rm -rf "$WORK"' EXIT
    step "hub serve (PostgreSQL, psycopg's binary libpq), health endpoint"
    ok "$(hub postgresql "$PGURL$([[ "$PGURL" == *\?* ]] && echo '&' || echo '?')options=-csearch_path%3D$SCHEMA")"
elif [[ -n "$PGURL" ]]; then
    echo "check_bundle: hub on PostgreSQL not checked: no psql to make a schema for it"
fi

echo "check_bundle: all checks passed ($(du -sh "$BUNDLE" | cut -f1) in $BUNDLE)"
