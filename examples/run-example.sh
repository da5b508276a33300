#!/usr/bin/env bash
# `npm run example`: goslim's main job on the bundled example (examples/greeter, a naive
# single-stage Go service). Works on a fresh Debian 12 + Node 20 machine (root): installs
# what is missing, builds goslim, then runs every goslim step that exists in this checkout:
#
#   lint     the example's Dockerfile
#   binary   the greeter built the naive way (plain `go build`: cgo on, not stripped)
#   inspect  the example's fat single-stage image (built offline by the fixture script)
#   fix      the example's Dockerfile, as a diff
#
# A step whose command does not exist yet is skipped with a note. goslim's exit code 1
# means "findings" (that is the point of the example), not a failure; 2 and 3 are failures.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
EXAMPLE=examples/greeter
WORK=${GOSLIM_EXAMPLE_WORK:-$ROOT/test/.work/example}
FIXTURES=${GOSLIM_FIXTURE_DIR:-$ROOT/test/.work/images}
mkdir -p "$WORK"

failures=0
section() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }
note() { printf '   (%s)\n' "$*"; }
goslim() { node "$ROOT/bin/goslim.js" "$@"; }
has_command() { goslim "$1" --help >/dev/null 2>&1; }
# run_step LABEL CMD...: 0 and 1 (findings) are fine; anything else counts as a failure.
run_step() {
  local label=$1; shift
  "$@"; local rc=$?
  case $rc in
    0) ;;
    1) note "$label: exit 1 = findings reported (expected for the naive example)" ;;
    *) note "$label: FAILED with exit $rc"; failures=$((failures + 1)) ;;
  esac
}

section "setup"
need_deps=0
for t in go node npm; do command -v "$t" >/dev/null || need_deps=1; done
if [ "$need_deps" = 1 ]; then
  if [ "$(id -u)" = 0 ]; then
    bash scripts/install-deps.sh || { echo "installing dependencies failed" >&2; exit 2; }
  else
    echo "go is missing; run: sudo bash scripts/install-deps.sh" >&2; exit 2
  fi
fi
if [ ! -d node_modules ]; then npm ci --no-audit --no-fund || exit 2; fi
npm run --silent build || { echo "npm run build failed" >&2; exit 2; }
echo "goslim $(goslim --version) built; example: $EXAMPLE"

section "goslim lint $EXAMPLE/Dockerfile"
if has_command lint; then
  run_step lint goslim lint "$EXAMPLE/Dockerfile"
else
  note "lint is not available in this build yet"
fi

section "goslim binary (the greeter built the naive way: go build)"
BIN=$WORK/greeter-naive
if ( cd "$EXAMPLE" && GOFLAGS=-buildvcs=false go build -o "$BIN" ./cmd/greeter ); then
  echo "built $BIN ($(stat -c %s "$BIN") bytes) with: go build -o greeter ./cmd/greeter"
  if has_command binary; then
    run_step binary goslim binary "$BIN"
  else
    note "binary is not available in this build yet"
  fi
else
  note "go build FAILED"; failures=$((failures + 1))
fi

section "goslim inspect (the example's fat single-stage image)"
if has_command inspect; then
  # The image of examples/greeter/Dockerfile, built offline from Debian packages
  # (cached; the first run takes a few minutes, later runs are instant).
  if [ "$(id -u)" = 0 ] && bash test/fixtures/images/make-images.sh "$FIXTURES"; then
    run_step inspect goslim inspect "docker-archive:$FIXTURES/docker-archive/fat-greeter.tar"
  else
    note "could not build the fixture image (needs root and scripts/install-deps.sh); skipped"
  fi
else
  note "inspect is not available in this build yet"
fi

section "goslim fix $EXAMPLE/Dockerfile"
if has_command fix; then
  # On a copy of the example, so the bundled (deliberately naive) Dockerfile stays as it is.
  rm -rf "$WORK/greeter"; cp -a "$EXAMPLE" "$WORK/greeter"
  if goslim fix --help 2>/dev/null | grep -q -- '--diff'; then
    run_step fix goslim fix --diff "$WORK/greeter/Dockerfile"
  else
    run_step fix goslim fix "$WORK/greeter/Dockerfile"
  fi
  if ! cmp -s "$EXAMPLE/Dockerfile" "$WORK/greeter/Dockerfile"; then
    diff -u --label "$EXAMPLE/Dockerfile" --label "$EXAMPLE/Dockerfile (fixed)" "$EXAMPLE/Dockerfile" "$WORK/greeter/Dockerfile"
  fi
else
  note "fix is not available in this build yet"
fi

section "summary"
if [ "$failures" -gt 0 ]; then
  echo "$failures step(s) failed"
  exit 1
fi
echo "all available steps ran"
