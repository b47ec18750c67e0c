#!/usr/bin/env bash
# Mutation testing of the security core: cargo-mutants weakens or removes one check at a time
# (`<` for `==`, a deleted match arm, `||` for `&&`, ...) and runs the lib unit tests and
# tests/api; a mutant no test notices is a rule that could go with every test green.
# The script fails on every such missed mutant unless .ci/mutants-exceptions.txt lists it with
# a one-line reason (an equivalent mutant, say). See docs/SECURITY.md, "Tests that fail when a
# rule is removed".
#
#   .ci/mutants.sh                   every mutant of the security core (most of a day on 2 cores)
#   .ci/mutants.sh --in-diff FILE    only the mutants on lines a unified diff FILE touches
#   .ci/mutants.sh --ci              what .ci/run does: the diff of this change (against
#                                    $MUTANTS_BASE, else origin/main, else the newest commit
#                                    12 h older than HEAD, else HEAD~1), at most
#                                    $MUTANTS_MAX mutants, within $MUTANTS_BUDGET seconds
#   .ci/mutants.sh --reuse-target    copy the tree and target/debug to a scratch directory,
#                                    keeping file times so that cargo reuses the dependencies
#                                    already built there, and mutate that copy in place (saves
#                                    the quarter of an hour cargo-mutants' own copy spends
#                                    building them); only when no one else builds in target/ (CI)
#   .ci/mutants.sh [...] -- ARGS     more cargo-mutants arguments, e.g. -- -F 'check_profile'
#
# Missed mutants land in target/mutants/mutants.out/missed.txt (cargo-mutants' own output).
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_MUTANTS_VERSION=27.1.0
EXCEPTIONS=.ci/mutants-exceptions.txt
OUT=target/mutants
# The security core. Add the proxy grant here when it exists.
FILES=(
  src/access.rs
  'src/auth/*.rs'
  src/web/csrf.rs
  src/web/guards.rs
  'src/audit/*.rs'
  src/smart/tokens.rs
  src/smart/scopes.rs
)

mode=all
diff_file=
reuse_target=false
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --in-diff) mode=diff; diff_file=$(realpath "${2:?--in-diff needs a diff file}"); shift 2 ;;
    --ci) mode=ci; shift ;;
    --reuse-target) reuse_target=true; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "mutants.sh: unknown argument $1 (see --help)" >&2; exit 1 ;;
  esac
done

if [ "$(cargo mutants --version 2>/dev/null || true)" != "cargo-mutants $CARGO_MUTANTS_VERSION" ]; then
  cargo install --locked cargo-mutants --version "$CARGO_MUTANTS_VERSION"
fi

# Every exception line: "<file>: <mutation>  # <reason>", as cargo-mutants names the mutant
# but without the line and column (so an exception survives edits above it).
while IFS= read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  reason=${line#* # }
  if [ "$reason" = "$line" ] || [ -z "${reason// /}" ]; then
    echo "mutants.sh: $EXCEPTIONS: no reason given (\"<mutant>  # <reason>\"): $line" >&2
    exit 1
  fi
done < "$EXCEPTIONS"

file_args=()
for f in "${FILES[@]}"; do file_args+=(-f "$f"); done
# The lib unit tests and the integration tests of tests/api (not the benches, not module_graph).
test_args=(--cargo-test-arg=--lib --cargo-test-arg=--test=api)
run_args=()

if [ "$mode" = ci ]; then
  # A fresh clone of CI may know only `main`: compare with the base given, else with
  # origin/main if this is another commit, else with the commit before this one.
  base=${MUTANTS_BASE:-}
  if [ -z "$base" ] && git rev-parse -q --verify origin/main >/dev/null \
      && [ "$(git rev-parse origin/main)" != "$(git rev-parse HEAD)" ]; then
    base=$(git merge-base HEAD origin/main)
  fi
  # CI clones the submitted main, so origin/main is HEAD: the change is then the session's
  # work, taken as every commit of the 12 hours before HEAD's own (a session is at most a few
  # hours), else the last commit alone.
  if [ -z "$base" ]; then
    since=$(date -u -d "$(git log -1 --format=%cI HEAD) - 12 hours" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || true)
    if [ -n "$since" ]; then
      base=$(git rev-list -1 --first-parent --before="$since" HEAD 2>/dev/null || true)
    fi
  fi
  if [ -z "$base" ] && git rev-parse -q --verify HEAD~1 >/dev/null; then
    base=HEAD~1
  fi
  if [ -z "$base" ]; then
    echo "mutants.sh: no commit to compare with (a shallow clone of one commit?): nothing to mutate; set MUTANTS_BASE to test a change"
    exit 0
  fi
  mkdir -p "$OUT"
  diff_file=$PWD/$OUT/change.diff
  # The working tree against the base: committed and uncommitted changes alike.
  git diff "$base" -- '*.rs' > "$diff_file"
  echo "mutants.sh: the change is the diff against $base ($(git rev-parse --short "$base"))"
  mode=diff
fi

if [ "$mode" = diff ]; then
  if [ ! -s "$diff_file" ]; then
    echo "mutants.sh: $diff_file is empty: no change, nothing to mutate"
    exit 0
  fi
  run_args+=(--in-diff "$diff_file")
  listed=$(cargo mutants --list "${file_args[@]}" --in-diff "$diff_file" "${extra[@]}")
  count=$(printf '%s' "$listed" | grep -c . || true)
  if [ "$count" -eq 0 ]; then
    echo "mutants.sh: the diff touches no mutable line of the security core: nothing to mutate"
    exit 0
  fi
  echo "mutants.sh: $count mutants on the lines the diff touches:"
  printf '%s\n' "$listed" | sed 's/^/  /'
  max=${MUTANTS_MAX:-0}
  if [ "$max" -gt 0 ] && [ "$count" -gt "$max" ]; then
    # Too many to test within the budget: a spread-out share of them, a different share
    # for each base (so each session's change), the same for every commit on one base (so
    # a developer can run that share before submitting). Said out loud, with the command
    # that tests them all.
    n=$(( (count + max - 1) / max ))
    k=$(( 0x$(git rev-parse --short=8 "${base:-HEAD}") % n ))
    run_args+=(--shard "$k/$n" --sharding round-robin)
    echo "mutants.sh: NOT ALL TESTED: $count mutants exceed MUTANTS_MAX=$max; testing shard $k/$n"
    echo "mutants.sh: (about $(( (count + n - 1) / n ))); test them all with: .ci/mutants.sh --in-diff FILE"
  fi
fi

rm -rf "$OUT/mutants.out"
mkdir -p "$OUT"
root=$PWD
started=$SECONDS
tree=$root
if [ "$reuse_target" = true ]; then
  # cargo-mutants' own copy of target/ loses the file times, and cargo then rebuilds every
  # dependency; tar keeps them. The copy is mutated in place and thrown away, however the
  # run ends.
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/mutants.XXXXXX")
  trap 'rm -rf "$scratch"' EXIT
  tree=$scratch/tree
  mkdir -p "$tree"
  tar -cf - --exclude=./target --exclude=./data . | tar -C "$tree" -xf -
  if [ -d target/debug ]; then
    tar -cf - --exclude=./target/debug/incremental ./target/debug | tar -C "$tree" -xf -
  fi
  # Tests read ../shared/data beside the checkout (and fail without it in CI): the copy gets
  # the same neighbour.
  if [ -d ../shared ]; then ln -s "$(realpath ../shared)" "$scratch/shared"; fi
  run_args+=(--in-place)
  echo "mutants.sh: copied the tree and target/debug to $tree in $((SECONDS - started))s"
fi
status=0
cmd=(cargo mutants "${file_args[@]}" "${run_args[@]}" "${test_args[@]}" -o "$root/$OUT" --no-shuffle "${extra[@]}")
echo "mutants.sh: ${cmd[*]}"
if [ -n "${MUTANTS_BUDGET:-}" ]; then
  # A hard bound: past it the step fails, loudly, rather than passing on half a run.
  (cd "$tree" && timeout --kill-after=30 "$MUTANTS_BUDGET" "${cmd[@]}") || status=$?
  if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
    echo "mutants.sh: FAILED: mutation testing took longer than MUTANTS_BUDGET=${MUTANTS_BUDGET}s and was stopped" >&2
    exit 1
  fi
else
  (cd "$tree" && "${cmd[@]}") || status=$?
fi
echo "mutants.sh: cargo mutants took $((SECONDS - started))s"
case "$status" in
  0|2|3) ;; # all caught / some missed / some timed out (a hang is a caught mutant)
  4) echo "mutants.sh: FAILED: the tests fail without any mutation" >&2; exit 1 ;;
  *) echo "mutants.sh: FAILED: cargo mutants exited with $status" >&2; exit 1 ;;
esac

missed=$OUT/mutants.out/missed.txt
unexcused=()
if [ -f "$missed" ]; then
  while IFS= read -r mutant; do
    [ -n "$mutant" ] || continue
    key=$(printf '%s' "$mutant" | sed -E 's/^([^:]+):[0-9]+:[0-9]+: /\1: /')
    if grep -v '^#' "$EXCEPTIONS" | sed 's/  *# .*$//' | grep -qxF -- "$key"; then
      echo "mutants.sh: missed, excepted: $mutant"
    else
      unexcused+=("$mutant")
    fi
  done < "$missed"
fi
for f in timeout unviable; do
  if [ -s "$OUT/mutants.out/$f.txt" ]; then
    echo "mutants.sh: $f (counted as not missed):"
    sed 's/^/  /' "$OUT/mutants.out/$f.txt"
  fi
done
if [ ${#unexcused[@]} -gt 0 ]; then
  echo "mutants.sh: FAILED: ${#unexcused[@]} mutants survived every test. Write a test that fails with each," >&2
  echo "or, if it cannot change behaviour, list it in $EXCEPTIONS with the reason:" >&2
  printf '  %s\n' "${unexcused[@]}" >&2
  exit 1
fi
echo "mutants.sh: no unexcused survivor"
