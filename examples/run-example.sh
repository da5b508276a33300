#!/usr/bin/env bash
# `npm run example`: goslim's main job on the bundled example (examples/greeter, a naive
# single-stage Go service). Works on a fresh Debian 12 + Node 20 machine (root): installs
# what is missing, builds goslim, then runs every goslim step that exists in this checkout:
#
#   lint     the example's Dockerfile
#   binary   the greeter built the naive way (plain `go build`: cgo on, not stripped)
#   inspect  the example's fat single-stage image (built offline by the fixture script)
#   verify   will that image start? (and the cgo-on-static trap, which will not)
#   fix      the example's Dockerfile, as a diff, then both Dockerfiles built with buildah: before/after
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
if [ "$(id -u)" = 0 ]; then
  # Idempotent: installs only what is missing (Go, debootstrap, skopeo, buildah, podman, ...).
  bash scripts/install-deps.sh || { echo "installing dependencies failed" >&2; exit 2; }
else
  for t in go node npm; do
    command -v "$t" >/dev/null || { echo "$t is missing; run: sudo bash scripts/install-deps.sh" >&2; exit 2; }
  done
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

section "goslim verify (will the fat image start? static checks, then a sandboxed run)"
if has_command verify && [ -f "$FIXTURES/images.json" ]; then
  run_step verify goslim verify --run "oci:$FIXTURES/oci/fat-greeter"
  echo
  echo "and the classic trap: the same cgo binary copied onto a distroless-like static base"
  run_step verify goslim verify --run "oci:$FIXTURES/oci/cgo-on-static"
else
  note "verify or the fixture images are not available; skipped"
fi

section "goslim fix $EXAMPLE/Dockerfile"
if has_command fix; then
  # On a copy of the example, so the bundled (deliberately naive) Dockerfile stays as it is.
  rm -rf "$WORK/greeter"; cp -a "$EXAMPLE" "$WORK/greeter"
  fix_help=$(goslim fix --help 2>/dev/null)
  if grep -q -- '--diff' <<<"$fix_help"; then
    run_step fix goslim fix --diff "$WORK/greeter/Dockerfile"
  else
    run_step fix goslim fix "$WORK/greeter/Dockerfile"   # prints a unified diff
  fi
  if cmp -s "$EXAMPLE/Dockerfile" "$WORK/greeter/Dockerfile"; then
    # write the fixed Dockerfile into the copy, for the before/after build below
    if grep -q -- '--write' <<<"$fix_help"; then goslim fix --write "$WORK/greeter/Dockerfile" > /dev/null 2>&1; fi
  else
    diff -u --label "$EXAMPLE/Dockerfile" --label "$EXAMPLE/Dockerfile (fixed)" "$EXAMPLE/Dockerfile" "$WORK/greeter/Dockerfile"
  fi
else
  note "fix is not available in this build yet"
fi

section "before/after: both Dockerfiles built offline with buildah"
# The bases come from the fixture images, served by a local docker-registry on 127.0.0.1
# under the names the Dockerfiles use (a registries.conf location rewrite; the rest of
# docker.io and gcr.io is blocked). Every container tool runs in a private mount namespace
# with scratch dirs over /run, /var/lib/containers and /var/tmp: host state is untouched.
before_after() {
  local t i
  for t in buildah podman skopeo docker-registry unshare shuf; do
    command -v "$t" >/dev/null || { note "$t is not installed; skipped (scripts/install-deps.sh installs it)"; return 0; }
  done
  [ "$(id -u)" = 0 ] || { note "needs root; skipped"; return 0; }
  [ -f "$FIXTURES/images.json" ] || bash test/fixtures/images/make-images.sh "$FIXTURES" || { note "fixture images FAILED"; return 1; }
  if cmp -s "$EXAMPLE/Dockerfile" "$WORK/greeter/Dockerfile"; then note "no fixed Dockerfile to build; skipped"; return 0; fi

  local W lock storage
  W=$(mktemp -d "$WORK/build.XXXXXX") || return 1
  lock=$ROOT/test/.work/containers.lock
  storage=$ROOT/test/.work/containers/storage
  # the tests' lock protocol (test/helpers/lock.ts): a directory holding the owner's pid
  for i in $(seq 1 1800); do
    if mkdir "$lock" 2>/dev/null; then echo $$ > "$lock/pid"; break; fi
    local owner; owner=$(cat "$lock/pid" 2>/dev/null || true)
    if [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; then rm -rf "$lock"; continue; fi
    [ "$i" = 1 ] && note "waiting for the container lock (a test is building)"
    sleep 1
  done
  if [ "$(cat "$lock/pid" 2>/dev/null)" != "$$" ]; then note "could not take $lock"; rm -rf "$W"; return 1; fi

  local port rpid reg
  for port in $(shuf -i 20000-40000 -n 20); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break; done
  printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
    "$W/registry" "$port" > "$W/registry.yml"
  # distribution reads REGISTRY_* variables as config overrides: start it without them
  env $(env | grep -o '^REGISTRY_[A-Za-z0-9_]*' | sed 's/^/-u /') docker-registry serve "$W/registry.yml" > "$W/registry.log" 2>&1 &
  rpid=$!
  for i in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  reg=127.0.0.1:$port
  {
    echo 'unqualified-search-registries = ["docker.io"]'
    echo 'short-name-mode = "permissive"'
    printf '[[registry]]\nprefix = "docker.io/library/golang"\nlocation = "%s/library/golang"\ninsecure = true\n' "$reg"
    printf '[[registry]]\nprefix = "gcr.io/distroless"\nlocation = "%s/distroless"\ninsecure = true\n' "$reg"
    printf '[[registry]]\nprefix = "docker.io"\nlocation = "docker.io"\nblocked = true\n'
    printf '[[registry]]\nprefix = "gcr.io"\nlocation = "gcr.io"\nblocked = true\n'
  } > "$W/registries.conf"
  printf '[storage]\ndriver = "overlay"\ngraphroot = "%s"\nrunroot = "%s"\n' "$storage" "$W/runroot" > "$W/storage.conf"
  printf '[engine]\nruntime = "runc"\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' > "$W/containers.conf"
  echo '{"auths":{}}' > "$W/auth.json"
  mkdir -p "$storage" "$W/runroot" "$W/run" "$W/lib" "$W/vartmp" "$W/tmp"
  ctool() {
    CONTAINERS_CONF=$W/containers.conf CONTAINERS_STORAGE_CONF=$W/storage.conf CONTAINERS_REGISTRIES_CONF=$W/registries.conf \
    REGISTRY_AUTH_FILE=$W/auth.json TMPDIR=$W/tmp \
    unshare --mount --propagation private -- sh -c \
      'mount --bind "$1" /run && mount --bind "$2" /var/lib/containers && mount --bind "$3" /var/tmp && shift 3 && exec "$@"' \
      ctool "$W/run" "$W/lib" "$W/vartmp" "$@"
  }
  local ok=1 pair
  for pair in golang-1.19=library/golang:1.19 static-debian12-nonroot=distroless/static-debian12:nonroot \
              base-debian12-nonroot=distroless/base-debian12:nonroot; do
    ctool skopeo copy -q --dest-tls-verify=false "oci:$FIXTURES/oci/${pair%%=*}:latest" "docker://$reg/${pair#*=}" || ok=0
  done
  local before=localhost/goslim-example/greeter:before after=localhost/goslim-example/greeter:after
  if [ "$ok" = 1 ]; then
    t=$(date +%s)
    ctool timeout 1200 buildah bud --isolation chroot --format docker --tls-verify=false --layers=false -q -t "$before" \
      -f "$ROOT/$EXAMPLE/Dockerfile" "$ROOT/$EXAMPLE" > "$W/before.log" 2>&1 || { ok=0; tail -5 "$W/before.log"; }
    echo "built $EXAMPLE/Dockerfile in $(( $(date +%s) - t )) s"
  fi
  if [ "$ok" = 1 ]; then
    t=$(date +%s)
    ctool timeout 1200 buildah bud --isolation chroot --format docker --tls-verify=false --layers=false -q -t "$after" \
      -f "$WORK/greeter/Dockerfile" "$WORK/greeter" > "$W/after.log" 2>&1 || { ok=0; tail -5 "$W/after.log"; }
    echo "built the fixed Dockerfile in $(( $(date +%s) - t )) s"
  fi
  if [ "$ok" = 1 ]; then
    local b a
    b=$(ctool podman image inspect --format '{{.Size}}' "$before")
    a=$(ctool podman image inspect --format '{{.Size}}' "$after")
    awk -v b="$b" -v a="$a" 'BEGIN { printf "before %12d bytes (%.1f MB)\nafter  %12d bytes (%.1f MB): %.1fx smaller\n", b, b / 1e6, a, a / 1e6, b / a }'
  fi
  ctool podman rmi -f "$before" "$after" > /dev/null 2>&1 || true
  kill "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null
  rm -rf "$lock" "$W"
  [ "$ok" = 1 ] || { note "before/after build FAILED"; return 1; }
}
if has_command fix; then
  before_after || failures=$((failures + 1))
else
  note "needs goslim fix; skipped"
fi

section "summary"
if [ "$failures" -gt 0 ]; then
  echo "$failures step(s) failed"
  exit 1
fi
echo "all available steps ran"
