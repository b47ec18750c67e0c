# Shared by bench/records.sh, bench/memory.sh and bench/profile.sh (sourced, not run): the
# portal's release build, the record of the peers' shape, and a portal started on one engine
# with that record linked to the emulator's demo patient and signed in.
#
# The sourcing script sets ROOT, RUN (its scratch directory) and PG_ADMIN (a PostgreSQL
# server URL, used only for the postgres engine), and may set PROFILE (cargo profile,
# default release) or BIN (a portal binary to use instead of building one).

MRN=MRN-000001 BIRTH_DATE=1968-04-12 LOINC=4548-4
DEMO_EMAIL=patient@example.com DEMO_PASSWORD=Patient-Demo-2024 DEMO_PHONE=+12025550101
PEERS_SRC=${PEERS:-$ROOT/../shared/peers}
PROFILE=${PROFILE:-release}

say() { echo "== $*" >&2; }
die() { echo "bench: $*" >&2; exit 1; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

PIDS=() PG_DBS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  for db in "${PG_DBS[@]}"; do
    psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

build_portal() {  # sets BIN; a BIN given in the environment is used as it is (no build)
  if [[ -n ${BIN:-} ]]; then
    [[ -x $BIN ]] || die "BIN=$BIN is not an executable"
    BIN=$(realpath "$BIN")
    say "using $BIN (no build)"
    return
  fi
  say "$PROFILE build of the portal"
  (cd "$ROOT" && nice -n 5 cargo build --profile "$PROFILE" --bin patient-portal --quiet)
  BIN=$ROOT/target/$PROFILE/patient-portal
}

make_record() {  # writes $RUN/record.json (1 patient, 10 conditions, 10 medications, 5 allergies, 200 observations)
  python3 "$PEERS_SRC/portal/peer_shape_bundle.py" "$RUN/record.json" >/dev/null
}

wait_up() {  # url [expected status]: polls until it answers (at most 30 s)
  for _ in $(seq 1 300); do
    [[ $(curl -sk -o /dev/null -w '%{http_code}' "$1" 2>/dev/null || true) == "${2:-200}" ]] && return 0
    sleep 0.1
  done
  die "no answer from $1"
}

declare -A PORTAL_PID PORTAL_PORT PORTAL_EPORT PORTAL_DB PORTAL_CODE PORTAL_COOKIE READY_MS
portal_env() {  # engine: the portal's whole environment; nothing of the caller's shell leaks in
  echo "PATH=$PATH" "HOME=${HOME:-/root}" "PORTAL_DATA_DIR=$RUN/$1" "DATABASE_URL=${PORTAL_DB[$1]}" \
    "PORTAL_LISTEN=127.0.0.1:${PORTAL_PORT[$1]}" "PORTAL_PUBLIC_URL=https://localhost:${PORTAL_PORT[$1]}" \
    "PORTAL_DEV_B2C_LISTEN=127.0.0.1:${PORTAL_EPORT[$1]}" "RUST_LOG=warn"
}

portal() {  # engine command...: runs a portal subcommand in the engine's environment
  local e=$1; shift
  (cd "$RUN/$e" && exec env -i $(portal_env "$e") "$BIN" "$@")
}

new_portal() {  # engine: an empty data dir and database, ports chosen (engine: postgres*, or SQLite)
  local e=$1 db
  mkdir -p "$RUN/$e"
  PORTAL_PORT[$e]=$(free_port); PORTAL_EPORT[$e]=$(free_port)
  if [[ $e != postgres* ]]; then
    PORTAL_DB[$e]="sqlite://$RUN/$e/portal.sqlite?mode=rwc"
  else
    db=bench_$$_${#PG_DBS[@]}
    psql -q "$PG_ADMIN" -c "CREATE DATABASE $db" >/dev/null
    PG_DBS+=("$db")
    PORTAL_DB[$e]=$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$PG_ADMIN" "$db")
  fi
}

serve_portal() {  # engine: starts `serve`, waits for /readyz; READY_MS is start to the first 200
  local e=$1 t0 t1
  t0=$(date +%s%N)
  (cd "$RUN/$e" && exec env -i $(portal_env "$e") "$BIN" serve >"$RUN/$e/portal.log" 2>&1) & PORTAL_PID[$e]=$!
  PIDS+=("${PORTAL_PID[$e]}")
  # Polled every 5 ms from one process: curl every 100 ms (wait_up) would add up to a tenth of
  # a second, and a process start each time, to a figure whose target is 300 ms.
  python3 - "https://localhost:${PORTAL_PORT[$e]}/readyz" <<'PY' || die "no 200 from /readyz within 30 s"
import http.client, ssl, sys, time, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
ctx = ssl._create_unverified_context()
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        c = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=5)
        c.request("GET", u.path)
        if c.getresponse().status == 200:
            sys.exit(0)
    except OSError:
        pass
    time.sleep(0.005)
sys.exit(1)
PY
  t1=$(date +%s%N); READY_MS[$e]=$(( (t1 - t0) / 1000000 ))
}

start_portal() {  # engine: imports the record, issues its activation code, serves, signs in
  local e=$1
  new_portal "$e"
  # The record first: with patients present the demo seed stays out, and the demo patient's
  # account is free to be linked to this record.
  portal "$e" import "$RUN/record.json" >"$RUN/$e/import.log" 2>&1 || die "import failed: $RUN/$e/import.log"
  PORTAL_CODE[$e]=$(portal "$e" activation issue --mrn "$MRN" 2>"$RUN/$e/activation.log") \
    || die "activation issue failed: $RUN/$e/activation.log"
  serve_portal "$e"
  PORTAL_COOKIE[$e]=$(python3 "$ROOT/bench/signin.py" "https://localhost:${PORTAL_PORT[$e]}" \
    "https://localhost:${PORTAL_EPORT[$e]}" "$DEMO_EMAIL" "$DEMO_PASSWORD" "$DEMO_PHONE" \
    "${PORTAL_CODE[$e]}" "$BIRTH_DATE") || die "sign-in failed ($e)"
}

rss_kb() {  # pid: resident memory in kB
  awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo "?"
}
