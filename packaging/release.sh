#!/usr/bin/env bash
# Builds lsmock's release binaries: static (CGO_ENABLED=0), -trimpath, the version stamped in,
# one per target, each target's Python wheel (packaging/python/wheel.py, standard library only),
# and a SHA256SUMS file beside them.
#
#   packaging/release.sh OUTDIR [VERSION]            all five targets
#   TARGETS="linux/amd64" packaging/release.sh OUTDIR  only those
#
# VERSION defaults to the version in packaging/npm/lsmock/package.json. Binaries are named
# lsmock_<version>_<os>_<arch>[.exe]; wheels lsmock-<version>-py3-none-<platform tags>.whl.
# PYTHON names the Python that writes the wheels (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."

out="${1:?usage: packaging/release.sh OUTDIR [VERSION]}"
version="${2:-$(packaging/version.sh)}"
targets="${TARGETS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64}"
mkdir -p "$out"

names=()
for target in $targets; do
  os="${target%/*}" arch="${target#*/}"
  name="lsmock_${version}_${os}_${arch}"
  [ "$os" = windows ] && name="$name.exe"
  CGO_ENABLED=0 GOOS="$os" GOARCH="$arch" go build -trimpath \
    -ldflags "-s -w -X github.com/lsmock/lsmock/internal/cli.version=$version" \
    -o "$out/$name" ./cmd/lsmock
  wheel="$("${PYTHON:-python3}" packaging/python/wheel.py --binary "$out/$name" --target "$target" --version "$version" "$out")"
  names+=("$name" "${wheel##*/}")
  echo "built $out/$name and ${wheel##*/}"
done
(cd "$out" && sha256sum "${names[@]}" > SHA256SUMS)
echo "wrote $out/SHA256SUMS"
