#!/usr/bin/env bash
# Makes lsmock's Python wheels, with no package index and no build backend (wheel.py writes
# them with the standard library):
#
#   BINARY=path packaging/python/pack.sh OUTDIR   the wheel of that binary, for this machine's
#                                                 platform (GOOS/GOARCH name another's), at the
#                                                 version the binary prints (VERSION overrides)
#   packaging/python/pack.sh OUTDIR               the wheels of the five release targets, built
#                                                 by packaging/release.sh (TARGETS: fewer; VERSION),
#                                                 with their SHA256SUMS
#
# prints the path of each wheel it wrote. PYTHON names the Python that runs wheel.py.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:?usage: [BINARY=path] packaging/python/pack.sh OUTDIR}"
mkdir -p "$out" && out="$(cd "$out" && pwd)"
python="${PYTHON:-python3}"

if [ -n "${BINARY:-}" ]; then
  goos="${GOOS:-}" goarch="${GOARCH:-}"
  if [ -z "$goos" ]; then
    case "$(uname -s)" in Linux) goos=linux ;; Darwin) goos=darwin ;; MINGW*|MSYS*|CYGWIN*) goos=windows ;;
      *) echo "pack.sh: no wheel for $(uname -s); set GOOS" >&2; exit 2 ;; esac
  fi
  if [ -z "$goarch" ]; then
    case "$(uname -m)" in x86_64|amd64) goarch=amd64 ;; aarch64|arm64) goarch=arm64 ;;
      *) echo "pack.sh: no wheel for $(uname -m); set GOARCH" >&2; exit 2 ;; esac
  fi
  version="${VERSION:-$("$BINARY" version | sed -n 's/^lsmock //p')}"
  [ -n "$version" ] || { echo "pack.sh: $BINARY printed no version; set VERSION" >&2; exit 2; }
  "$python" "$here/wheel.py" --binary "$BINARY" --target "$goos/$goarch" --version "$version" "$out"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
PYTHON="$python" "$root/packaging/release.sh" "$work" ${VERSION:+"$VERSION"} >&2
cp "$work"/*.whl "$out/"
(cd "$work" && for f in *.whl; do echo "$out/$f"; done)
(cd "$work" && sha256sum -- *.whl) > "$out/SHA256SUMS"
