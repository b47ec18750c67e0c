#!/usr/bin/env bash
# The portal's record pages under load, beside the reference peers of ../shared/peers (the
# actix "ceiling" and the Node + msal-node sample "node-b2c"), on SQLite and on PostgreSQL,
# interleaved round by round with the same wrk command. Prints one table: req/s, p50, p99 and
# the ratio to each peer.
#
# What it does: builds the release binary (nice), imports a record of node-b2c's shape
# (peer_shape_bundle.py: 1 patient, 10 conditions, 10 medications, 5 allergies, 200
# observations), issues an activation code with `patient-portal activation issue`, signs the
# emulator's demo patient in (password + MFA code from the emulator's /outbox) and links the
# account (bench/signin.py), then runs wrk against /records, /records/labs,
# /records/labs/{loinc} and /healthz with and without the session cookie. Every record page
# answered with the cookie must have written its audit row: the audit rows added during each run
# are counted against the responses wrk completed (a run that does not match is marked FAIL and
# the script exits 1).
#
# Env: DATABASE_URL  a PostgreSQL server: a fresh database bench_<pid> is made on it and dropped
#                    afterwards (default postgres://postgres@127.0.0.1:5432/test)
#      ENGINES       "sqlite postgres" (default) or one of them
#      ROUNDS (3) THREADS (2) CONNS (32) DURATION (10s) WARMUP (2s)
#      PEERS         the peers' sources (default ../shared/peers); built once into OUT/peers
#      OUT           where builds, logs and raw wrk output go (default target/bench)
#      PROFILE       the cargo profile built (default release); BIN a portal binary to use as
#                    it is, without building (shared setup: bench/lib.sh)
# Needs: wrk (installed with apt-get when missing and run as root), curl, python3, node and npm
# (node-b2c), psql (PostgreSQL). The load generator shares the machine with the servers: compare
# numbers only within one run, on an otherwise quiet machine.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${ROUNDS:-3} THREADS=${THREADS:-2} CONNS=${CONNS:-32} DURATION=${DURATION:-10s} WARMUP=${WARMUP:-2s}
ENGINES=${ENGINES:-sqlite postgres}
PG_ADMIN=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
OUT=${OUT:-$ROOT/target/bench}
RUN=$OUT/run.$$
mkdir -p "$RUN"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

if ! command -v wrk >/dev/null; then
  [[ $(id -u) == 0 ]] || die "wrk is missing (apt-get install wrk)"
  say "installing wrk"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
for tool in curl python3 node npm; do command -v "$tool" >/dev/null || die "$tool is missing"; done
[[ " $ENGINES " == *" postgres "* ]] && { command -v psql >/dev/null || die "psql is missing"; }

build_portal

# A private copy of the peers, so that shared/ stays untouched; built once and kept.
PEERS_DIR=$OUT/peers
if [[ ! -x $PEERS_DIR/ceiling/target/release/ceiling ]]; then
  say "building the ceiling peer"
  mkdir -p "$PEERS_DIR" && rm -rf "$PEERS_DIR/ceiling" && cp -r "$PEERS_SRC/ceiling" "$PEERS_DIR/"
  (cd "$PEERS_DIR/ceiling" && nice -n 5 cargo build --release --quiet)
fi
if [[ ! -d $PEERS_DIR/node-b2c/node_modules ]]; then
  say "setting up the node-b2c peer"
  mkdir -p "$PEERS_DIR" && rm -rf "$PEERS_DIR/node-b2c" && cp -r "$PEERS_SRC/node-b2c" "$PEERS_DIR/"
  nice -n 5 "$PEERS_DIR/node-b2c/setup.sh" >"$OUT/node-b2c-setup.log" 2>&1 || die "node-b2c setup failed: $OUT/node-b2c-setup.log"
fi
(cd "$PEERS_DIR/node-b2c" && node db/seed.js >/dev/null)   # empties its audit_events
make_record

say "starting the peers"
CEIL_PORT=$(free_port) NODE_PORT=$(free_port)
PORT=$CEIL_PORT "$PEERS_DIR/ceiling/target/release/ceiling" >"$RUN/ceiling.log" 2>&1 & PIDS+=($!)
PORT=$NODE_PORT PEER_BENCH_SESSION=1 "$PEERS_DIR/node-b2c/start.sh" >"$RUN/node-b2c.log" 2>&1 & PIDS+=($!)
wait_up "https://localhost:$CEIL_PORT/hello"
wait_up "https://localhost:$NODE_PORT/"
NODE_COOKIE=$(curl -sk -D - -o /dev/null "https://localhost:$NODE_PORT/_bench/login" | sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | tr -d '\r')
[[ -n $NODE_COOKIE ]] || die "no session cookie from node-b2c's /_bench/login"

audit_rows() {  # engine
  if [[ $1 == sqlite ]]; then
    python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from audit_log").fetchone()[0])' "$RUN/sqlite/portal.sqlite"
  else
    psql -tAq "${PORTAL_DB[$1]}" -c 'select count(*) from audit_log'
  fi
}

# Waits until no more audit rows arrive: requests still in flight when wrk stopped finish first,
# so that the next run's count is its own.
settle() {  # engine
  local a b
  a=$(audit_rows "$1")
  while sleep 0.3; b=$(audit_rows "$1"); [[ $a != "$b" ]]; do a=$b; done
}

for e in $ENGINES; do say "starting the portal on $e"; start_portal "$e"; done

# Targets: name|engine|url|cookie|expected status|audited
TARGETS=("ceiling /hello|-|https://localhost:$CEIL_PORT/hello||200|no"
         "node-b2c /records|-|https://localhost:$NODE_PORT/records|$NODE_COOKIE|200|no")
for e in $ENGINES; do
  base=https://localhost:${PORTAL_PORT[$e]}
  for page in /records /records/labs "/records/labs/$LOINC" /healthz; do
    audited=yes; [[ $page == /healthz ]] && audited=no
    TARGETS+=("$e $page +cookie|$e|$base$page|${PORTAL_COOKIE[$e]}|200|$audited")
    nocookie=302; [[ $page == /healthz ]] && nocookie=200
    TARGETS+=("$e $page -cookie|$e|$base$page||$nocookie|none")
  done
done

say "checking every target answers as expected"
for t in "${TARGETS[@]}"; do
  IFS='|' read -r name engine url cookie want audited <<<"$t"
  hdr=(); [[ -n $cookie ]] && hdr=(-H "Cookie: $cookie")
  got=$(curl -sk -o "$RUN/check.body" -w '%{http_code}' "${hdr[@]}" "$url")
  [[ $got == "$want" ]] || die "$name: $url answered $got, not $want"
  if [[ $want == 200 ]]; then echo "  $name: $(wc -c <"$RUN/check.body") bytes" >&2; fi
done

RESULTS=$RUN/results.tsv
: >"$RESULTS"
for r in $(seq 1 "$ROUNDS"); do
  say "round $r of $ROUNDS"
  for t in "${TARGETS[@]}"; do
    IFS='|' read -r name engine url cookie want audited <<<"$t"
    hdr=(); [[ -n $cookie ]] && hdr=(-H "Cookie: $cookie")
    wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "${hdr[@]}" "$url" >/dev/null
    before=0; if [[ $engine != - ]]; then settle "$engine"; before=$(audit_rows "$engine"); fi
    raw=$RUN/$(echo "$name" | tr ' /+' '_~p').$r.wrk
    wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "${hdr[@]}" "$url" >"$raw"
    added=-; if [[ $engine != - ]]; then settle "$engine"; added=$(( $(audit_rows "$engine") - before )); fi
    python3 - "$raw" "$name" "$r" "$audited" "$added" "$CONNS" >>"$RESULTS" <<'PY'
import re, sys
raw, name, rnd, audited, added, conns = sys.argv[1:7]
text = open(raw).read()
def ms(v):
    n, unit = re.match(r"([\d.]+)(us|ms|s|m)", v).groups()
    return float(n) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(re.search(r"^\s+50%\s+(\S+)", text, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", text, re.M).group(1))
done = int(re.search(r"(\d+) requests in", text).group(1))
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
errors = re.search(r"Socket errors: (.*)", text)
problems = []
if bad: problems.append(f"{bad.group(1)} non-2xx/3xx")
if errors and re.search(r"[1-9]", errors.group(1)): problems.append("socket errors: " + errors.group(1).strip())
if audited == "yes":
    # Each completed response wrote its row; at most CONNS more were in flight when wrk stopped.
    ok = done <= int(added) <= done + int(conns)
    check = f"{added} rows / {done} responses" + ("" if ok else " FAIL")
elif audited == "none":
    check = "0 rows" if added == "0" else f"{added} rows FAIL"
else:
    check = "-"
print("\t".join([name, rnd, f"{rps:.1f}", f"{p50:.2f}", f"{p99:.2f}", check, "; ".join(problems)]))
PY
    tail -n 1 "$RESULTS" >&2
  done
done

status=0
python3 - "$RESULTS" "$ROUNDS" "$THREADS" "$CONNS" "$DURATION" <<'PY' || status=$?
import statistics, sys
from collections import defaultdict
path, rounds, threads, conns, duration = sys.argv[1:6]
runs = defaultdict(list)
order = []
for line in open(path):
    name, rnd, rps, p50, p99, check, problems = line.rstrip("\n").split("\t")
    if name not in runs: order.append(name)
    runs[name].append((float(rps), float(p50), float(p99), check, problems))
def med(name, i): return statistics.median(r[i] for r in runs[name])
node_rps, node_p99 = med("node-b2c /records", 0), med("node-b2c /records", 2)
ceil_rps, ceil_p99 = med("ceiling /hello", 0), med("ceiling /hello", 2)
print(f"\nwrk -t{threads} -c{conns} -d{duration} --latency, median of {rounds} round(s), interleaved")
head = f"{'target':38} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'x node req/s':>12} {'node p99/p99':>12} {'x ceiling req/s':>15}  audit"
print(head); print("-" * len(head))
failed = False
for name in order:
    rps, p50, p99 = med(name, 0), med(name, 1), med(name, 2)
    checks = [r[3] for r in runs[name]]
    problems = "; ".join(p for r in runs[name] for p in [r[4]] if p)
    failed |= any("FAIL" in c for c in checks)
    audit = checks[-1] if all("FAIL" not in c for c in checks) else next(c for c in checks if "FAIL" in c)
    print(f"{name:38} {rps:10.1f} {p50:8.2f} {p99:8.2f} {rps / node_rps:12.2f} {node_p99 / p99 if p99 else 0:12.2f} {rps / ceil_rps:15.3f}  {audit}{'  ' + problems if problems else ''}")
print("\nx node req/s: the page's req/s over node-b2c /records; node p99/p99: how many times lower the p99 is than node-b2c's;")
print("x ceiling req/s: over the actix ceiling /hello. -cookie record pages redirect to /signin (302) and must write no audit row.")
sys.exit(1 if failed else 0)
PY
for e in $ENGINES; do
  rss=$(awk '/VmRSS/ {print $2 " " $3}' "/proc/${PORTAL_PID[$e]}/status" 2>/dev/null || echo "?")
  echo "portal on $e: resident memory after the run $rss; start to /readyz ${READY_MS[$e]} ms (migrated database)"
done
echo "raw wrk output and logs: $RUN"
exit $status
