#!/usr/bin/env bash
# The portal's resident memory and start-up time (issue #11, item 5), on SQLite:
#   1. start to /readyz 200 on an empty data dir (migrations, keys and the demo seed included),
#      then the resident memory of that idle process once /readyz has answered;
#   2. a portal with the peers' record, signed in as bench/records.sh does, then SESSIONS
#      (10 000) more live sessions: rows written the way the session store writes them (the
#      signed-in session's state under a fresh key's hash) and one request to /account with
#      each one's cookie (encrypted with the portal's cookie key, as actix-session does), so
#      that every session has been loaded by the server; resident memory before and after.
# Prints one line per figure beside its target. Sessions live in the database, never in the
# process, so memory should not grow with them.
#
# Env: SESSIONS (10000) OUT (default target/bench) PROFILE (release)
# Needs: curl, python3 with the `cryptography` package (AES-GCM for the cookies).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SESSIONS=${SESSIONS:-10000}
PG_ADMIN=unused
OUT=${OUT:-$ROOT/target/bench}
RUN=$OUT/memory.$$
mkdir -p "$RUN"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
python3 -c 'import cryptography' 2>/dev/null || die "python3 needs the cryptography package (apt-get install python3-cryptography)"

build_portal
make_record

say "start on an empty data dir"
new_portal empty
serve_portal empty
sleep 1   # let start-up work in the background (the demo seed, the mail sender) settle
idle_kb=$(rss_kb "${PORTAL_PID[empty]}")
kill "${PORTAL_PID[empty]}"; wait "${PORTAL_PID[empty]}" 2>/dev/null || true

say "a signed-in portal with the peers' record"
start_portal sqlite
base=https://localhost:${PORTAL_PORT[sqlite]}
[[ $(curl -sk -o /dev/null -w '%{http_code}' -H "Cookie: ${PORTAL_COOKIE[sqlite]}" "$base/account") == 200 ]] \
  || die "/account does not answer 200 with the session cookie"
one_kb=$(rss_kb "${PORTAL_PID[sqlite]}")

say "$SESSIONS more live sessions, each used once"
python3 - "$RUN/sqlite/portal.sqlite" "$base" "${PORTAL_COOKIE[sqlite]}" "$SESSIONS" <<'PY'
import base64, hashlib, http.client, os, secrets, sqlite3, ssl, string, sys, time, urllib.parse
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
db_path, base, cookie, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
# signin.py prints every portal cookie ("a=1; b=2"): the session cookie is the one wanted.
name, _, value = next(c for c in cookie.split("; ") if c.startswith("__Host-portal-session="))\
    .partition("=")
db = sqlite3.connect(db_path, timeout=10)
# The portal's cookie key (db::secret "session_cookie_key"): hex of 64 bytes, the last 32 of
# which are the AES-256-GCM key of actix-session's private cookies.
master = bytes.fromhex(db.execute("SELECT value FROM portal_secrets WHERE name = 'session_cookie_key'").fetchone()[0])
aead = AESGCM(master[32:64])
# Self-check: the signed-in cookie must decrypt to a session key whose hash is a stored row.
raw = base64.b64decode(urllib.parse.unquote(value))
own_key = aead.decrypt(raw[:12], raw[12:], name.encode()).decode()
print(f"  signed-in session key: {len(own_key)} chars; row found: "
      f"{db.execute('SELECT COUNT(*) FROM sessions WHERE id_hash = ?', (hashlib.sha256(own_key.encode()).hexdigest(),)).fetchone()[0]}", file=sys.stderr)
# The signed-in session's state and expiry, copied under fresh keys.
state, expires_at = db.execute("SELECT state, expires_at FROM sessions WHERE state LIKE '%\"user\"%' ORDER BY expires_at DESC LIMIT 1").fetchone()
alphabet = string.ascii_letters + string.digits
keys = ["".join(secrets.choice(alphabet) for _ in range(48)) for _ in range(n)]
with db:
    db.executemany("INSERT INTO sessions (id_hash, state, expires_at) VALUES (?, ?, ?)",
                   [(hashlib.sha256(k.encode()).hexdigest(), state, expires_at) for k in keys])
db.close()
def cookie_of(key):
    nonce = os.urandom(12)
    return name + "=" + base64.b64encode(nonce + aead.encrypt(nonce, key.encode(), name.encode())).decode()
u = urllib.parse.urlsplit(base)
conn = http.client.HTTPSConnection(u.hostname, u.port, context=ssl._create_unverified_context(), timeout=30)
t0 = time.monotonic()
for k in keys:
    conn.request("GET", "/account", headers={"Cookie": cookie_of(k)})
    r = conn.getresponse(); r.read()
    if r.status != 200:
        sys.exit(f"/account answered {r.status} for an inserted session")
print(f"  {n} sessions used in {time.monotonic() - t0:.1f} s", file=sys.stderr)
PY
many_kb=$(rss_kb "${PORTAL_PID[sqlite]}")
live=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from sessions where expires_at > strftime(\"%s\",\"now\")").fetchone()[0])' "$RUN/sqlite/portal.sqlite")

mb() { awk -v k="$1" 'BEGIN { printf "%.1f MB", k / 1024 }'; }
echo "start to /readyz 200, empty data dir (migrations, demo seed): ${READY_MS[empty]} ms   (target <= 300 ms)"
echo "resident memory, idle after start:                  $(mb "$idle_kb")   (target <= 40 MB)"
echo "resident memory, record imported, one session:      $(mb "$one_kb")"
echo "resident memory, $live live sessions, each used:    $(mb "$many_kb")   (target <= 150 MB)"
echo "logs: $RUN"
