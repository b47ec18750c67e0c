#!/usr/bin/env bash
# Where a record page's time goes: the portal's `profiling` build (release with line tables)
# on SQLite with the peers' record, signed in as bench/records.sh does, then one of
#   perf       `perf record -g` (cpu-clock, DWARF unwinding) while wrk loads the page;
#              writes perf.data, a `perf report --stdio` summary and, when inferno is
#              installed (`cargo install inferno`), a flamegraph SVG
#   callgrind  the portal under valgrind's callgrind: counters zeroed after a warm-up, then
#              REQUESTS sequential requests (one keep-alive connection); prints instructions per
#              request, a figure that does not depend on how busy the machine is
#
# Usage: bench/profile.sh [perf|callgrind] [PAGE]     (default: perf /records)
# Env:   DURATION (20s) CONNS (32) THREADS (2) for perf; REQUESTS (200) for callgrind;
#        OUT (default target/bench)
# Needs: perf (apt-get install linux-perf) or valgrind, wrk, curl, python3.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODE=${1:-perf} PAGE=${2:-/records}
DURATION=${DURATION:-20s} CONNS=${CONNS:-32} THREADS=${THREADS:-2} REQUESTS=${REQUESTS:-200}
PG_ADMIN=unused PROFILE=profiling
OUT=${OUT:-$ROOT/target/bench}
RUN=$OUT/profile.$$
mkdir -p "$RUN"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

build_portal
make_record

case $MODE in
  perf)
    command -v perf >/dev/null || die "perf is missing (apt-get install linux-perf)"
    command -v wrk >/dev/null || die "wrk is missing (apt-get install wrk)"
    start_portal sqlite
    url=https://localhost:${PORTAL_PORT[sqlite]}$PAGE
    wrk -t"$THREADS" -c"$CONNS" -d2s -H "Cookie: ${PORTAL_COOKIE[sqlite]}" "$url" >/dev/null
    perf record -e cpu-clock -F 499 --call-graph dwarf,32768 -p "${PORTAL_PID[sqlite]}" \
      -o "$RUN/perf.data" -- sleep "${DURATION%s}" 2>"$RUN/perf-record.log" &
    rec=$!
    wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -H "Cookie: ${PORTAL_COOKIE[sqlite]}" "$url" | tee "$RUN/wrk.txt" >&2
    wait "$rec"
    perf report -i "$RUN/perf.data" --stdio --no-children --percent-limit 1 -g none \
      >"$RUN/report.txt" 2>/dev/null || true
    perf report -i "$RUN/perf.data" --stdio --children --percent-limit 2 -g none \
      >"$RUN/report-children.txt" 2>/dev/null || true
    if command -v inferno-collapse-perf >/dev/null; then
      perf script -i "$RUN/perf.data" 2>/dev/null | inferno-collapse-perf >"$RUN/folded.txt"
      inferno-flamegraph <"$RUN/folded.txt" >"$RUN/flamegraph.svg"
      echo "flamegraph: $RUN/flamegraph.svg" >&2
    fi
    sed -n '1,60p' "$RUN/report.txt"
    ;;
  callgrind)
    command -v valgrind >/dev/null || die "valgrind is missing (apt-get install valgrind)"
    new_portal sqlite
    portal sqlite import "$RUN/record.json" >"$RUN/sqlite/import.log" 2>&1 || die "import failed"
    PORTAL_CODE[sqlite]=$(portal sqlite activation issue --mrn "$MRN" 2>"$RUN/sqlite/activation.log") || die "activation issue failed"
    real_bin=$BIN
    cat >"$RUN/under-callgrind" <<SH
#!/bin/sh
exec valgrind --tool=callgrind --callgrind-out-file=$RUN/callgrind.out --dump-instr=no $real_bin "\$@"
SH
    chmod +x "$RUN/under-callgrind"
    BIN=$RUN/under-callgrind
    serve_portal sqlite
    PORTAL_COOKIE[sqlite]=$(python3 "$ROOT/bench/signin.py" "https://localhost:${PORTAL_PORT[sqlite]}" \
      "https://localhost:${PORTAL_EPORT[sqlite]}" "$DEMO_EMAIL" "$DEMO_PASSWORD" "$DEMO_PHONE" \
      "${PORTAL_CODE[sqlite]}" "$BIRTH_DATE") || die "sign-in failed"
    url=https://localhost:${PORTAL_PORT[sqlite]}$PAGE
    loop() {  # n: sequential requests over one keep-alive connection; all must be 200
      python3 - "$url" "${PORTAL_COOKIE[sqlite]}" "$1" <<'PY'
import http.client, ssl, sys, urllib.parse
url, cookie, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
u = urllib.parse.urlsplit(url)
c = http.client.HTTPSConnection(u.hostname, u.port, context=ssl._create_unverified_context(), timeout=60)
for _ in range(n):
    c.request("GET", u.path, headers={"Cookie": cookie})
    r = c.getresponse(); r.read()
    if r.status != 200: sys.exit(f"{u.path} answered {r.status}")
PY
    }
    loop 20
    callgrind_control -z "${PORTAL_PID[sqlite]}" >/dev/null
    loop "$REQUESTS"
    callgrind_control -d "${PORTAL_PID[sqlite]}" >/dev/null
    total=$(callgrind_annotate "$RUN"/callgrind.out.* 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
    callgrind_annotate --inclusive=yes "$RUN"/callgrind.out.* 2>/dev/null | sed -n '1,80p' >"$RUN/annotate.txt"
    echo "$PAGE: $(( total / REQUESTS )) instructions per request ($total over $REQUESTS requests, all threads)"
    echo "callgrind profile: $RUN/callgrind.out.*  (callgrind_annotate; top functions in $RUN/annotate.txt)"
    ;;
  *) die "mode is perf or callgrind, not $MODE" ;;
esac
