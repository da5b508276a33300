#!/usr/bin/env bash
# Installs the Debian packages goslim's tests and examples use (idempotent; needs root).
#   golang-go            builds real Go binaries for fixtures (Go 1.19 on Debian 12)
#   binutils, file       readelf/objdump oracles for the binary analyzer tests
#   skopeo, umoci        validate the images goslim writes
#   docker-registry      a real distribution registry on 127.0.0.1; apache2-utils for htpasswd
#   debootstrap          builds Debian-based fixture images offline
#   bubblewrap, runc     sandboxes for `goslim verify --run`
#   buildah, podman      build and run real Dockerfiles offline (fix proofs)
#   jq                   fixture scripts
set -euo pipefail
pkgs=(golang-go binutils file skopeo umoci docker-registry apache2-utils debootstrap bubblewrap runc buildah podman jq)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${missing[@]}" slirp4netns uidmap
fi
