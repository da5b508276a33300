#!/usr/bin/env bash
# Installs the Debian packages goslim's tests and examples use (idempotent; needs root).
# Keep this a list: one package per line, with why it is needed.
set -euo pipefail
pkgs=(
  golang-go        # builds real Go binaries for fixtures (Go 1.19 on Debian 12)
  gcc              # cgo and -linkmode=external Go fixtures (binary analyzer tests)
  libc6-dev        # static libc for the -static-pie Go fixture; headers for cgo
  zlib1g-dev       # the cgozlib Go fixture: cgo linking a C library beyond libc (binary hints, issue 15)
  binutils         # readelf/objdump oracles for the binary analyzer tests
  file             # ELF oracle
  skopeo           # writes docker-archive fixtures; validates the images goslim writes
  umoci            # validates the images goslim writes (unpack)
  docker-registry  # a real distribution registry on 127.0.0.1
  apache2-utils    # htpasswd for the registry's basic auth
  debootstrap      # builds the Debian-based fixture images offline
  bubblewrap       # runs fixture build steps in a rootfs; sandbox for `goslim verify --run`
  runc             # the OCI runtime that works here (crun refuses hybrid cgroups)
  buildah          # builds real, unmodified Dockerfiles offline (fix/build proofs)
  podman           # runs the built images
  slirp4netns      # podman port forwarding to 127.0.0.1 without iptables
  uidmap           # podman/buildah helpers
  jq               # fixture scripts
  time             # /usr/bin/time: peak RSS in the benchmarks (npm run bench)
  musl-tools       # musl-gcc: builds a real musl-linked Go binary for verify's libc-mismatch tests
  pigz             # parallel gzip for the 1 GB fixture layers
  zstd             # decompresses zstd image layers (Node 20 has no zstd in zlib)
  attr             # getfattr: overlayfs opaque-directory markers in fixture layers
  qemu-user-static # qemu-aarch64-static: `verify --run` of a foreign-architecture image (user-mode emulation)
  util-linux       # unshare, nsenter, flock, prlimit (fixture build, container harness; verify --run limits and probe)
  chromium         # a real browser for the HTML report tests and benchmark (playwright-core drives it)
  ca-certificates
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "install-deps: need root to install: ${missing[*]}" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${missing[@]}"
fi
