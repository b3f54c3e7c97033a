#!/usr/bin/env bash
# Makes lsmock's npm packages for the machine it runs on:
#
#   packaging/npm/pack.sh OUTDIR
#
# builds lsmock for this OS and CPU (GOOS/GOARCH override them; BINARY=path packs a binary
# already built instead) and writes into OUTDIR the main package, lsmock-<version>.tgz, and the
# platform package that carries the binary, lsmock-<os>-<cpu>-<version>.tgz (@lsmock/<os>-<cpu>).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:?usage: packaging/npm/pack.sh OUTDIR}"
mkdir -p "$out" && out="$(cd "$out" && pwd)"

goos="${GOOS:-$(go env GOOS)}" goarch="${GOARCH:-$(go env GOARCH)}"
case "$goos" in linux|darwin) os="$goos" ;; windows) os=win32 ;; *) echo "pack.sh: no npm package for GOOS=$goos" >&2; exit 2 ;; esac
case "$goarch" in amd64) cpu=x64 ;; arm64) cpu=arm64 ;; *) echo "pack.sh: no npm package for GOARCH=$goarch" >&2; exit 2 ;; esac
version="$(node -p "require('$here/lsmock/package.json').version")"
exe=lsmock; [ "$os" = win32 ] && exe=lsmock.exe

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/platform/bin"
if [ -n "${BINARY:-}" ]; then
  cp "$BINARY" "$work/platform/bin/$exe"
else
  (cd "$root" && CGO_ENABLED=0 GOOS="$goos" GOARCH="$goarch" go build -trimpath \
    -ldflags "-s -w -X github.com/lsmock/lsmock/internal/cli.version=$version" -o "$work/platform/bin/$exe" ./cmd/lsmock)
fi
chmod +x "$work/platform/bin/$exe"
cat > "$work/platform/package.json" <<JSON
{
  "name": "@lsmock/$os-$cpu",
  "version": "$version",
  "description": "The lsmock binary for $os $cpu (installed by the lsmock package).",
  "os": ["$os"],
  "cpu": ["$cpu"],
  "files": ["bin"],
  "preferUnplugged": true
}
JSON
printf '# @lsmock/%s-%s\n\nThe lsmock binary for %s %s. Install `lsmock`, which picks it.\n' "$os" "$cpu" "$os" "$cpu" > "$work/platform/README.md"

cp -R "$here/lsmock" "$work/main"
cp "$here/README.md" "$work/main/README.md"

npm pack "$work/main" --pack-destination "$out" --silent >/dev/null
npm pack "$work/platform" --pack-destination "$out" --silent >/dev/null
echo "$out/lsmock-$version.tgz"
echo "$out/lsmock-$os-$cpu-$version.tgz"
