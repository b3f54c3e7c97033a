#!/usr/bin/env bash
# Tests the Python wheel as a Python team gets it, with no package index: makes this platform's
# wheel (pack.sh; BINARY=path packs a binary already built, else one is built here); checks its
# tags and RECORD, that pip takes it here, and that pip told another platform (--platform) takes
# each release target's wheel there and none for macOS 11; installs it with pip --no-index into
# a fresh virtual environment of Debian's /usr/bin/python3 (--system-site-packages: pytest,
# requests, cryptography and pytest-xdist are Debian's); runs tests/ with pytest twice, with the
# lsmock the fixture starts and with one `lsmock serve` that pytest-xdist workers share
# (--lsmock-url), their tests side by side; then shows that the suite fails, saying why, without
# the binary.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
python="${LSMOCK_PYTHON:-/usr/bin/python3}"
if ! "$python" -c 'import venv, pip, pytest, requests, cryptography, xdist' 2>/dev/null; then
  echo "test.sh: $python lacks venv, pip, pytest, requests, cryptography or xdist:" \
    "apt-get install python3-venv python3-pip python3-pytest python3-requests python3-cryptography python3-pytest-xdist"
  exit 1
fi

work="$(mktemp -d)"
serve_pid=
trap '[ -z "$serve_pid" ] || kill "$serve_pid" 2>/dev/null; rm -rf "$work"' EXIT
binary="${BINARY:-}"
if [ -z "$binary" ]; then
  binary="$work/lsmock"
  (cd "$root" && go build -ldflags "-X github.com/lsmock/lsmock/internal/cli.version=$(packaging/version.sh)" -o "$binary" ./cmd/lsmock)
fi
wheel="$(BINARY="$binary" PYTHON="$python" "$here/pack.sh" "$work/dist")"
echo "packed: ${wheel##*/}"

# --without-pip: Debian's pip (a system site package) installs into the venv all the same,
# without the seconds ensurepip takes.
"$python" -m venv --system-site-packages --without-pip "$work/venv"
py="$work/venv/bin/python"
"$py" -m pip install --no-index --no-cache-dir --disable-pip-version-check --quiet "$wheel"

echo "-- the wheel's tags, its RECORD, and pip's tags for this platform"
"$py" -m pip debug --verbose 2>/dev/null > "$work/pip-debug.txt"
"$py" - "$wheel" "$work/pip-debug.txt" <<'PY'
import base64, hashlib, os, sys, zipfile
wheel, debug = sys.argv[1], sys.argv[2]
name, version, py, abi, plats = os.path.basename(wheel)[:-4].split("-")
tags = {f"{py}-{abi}-{p}" for p in plats.split(".")}
with zipfile.ZipFile(wheel) as z:
    dist = f"{name}-{version}.dist-info"
    declared = {l.split(": ", 1)[1] for l in z.read(f"{dist}/WHEEL").decode().splitlines() if l.startswith("Tag: ")}
    assert declared == tags, f"WHEEL says {sorted(declared)}, the file name {sorted(tags)}"
    for line in z.read(f"{dist}/RECORD").decode().splitlines():
        path, digest, size = line.rsplit(",", 2)
        if path == f"{dist}/RECORD":
            continue
        data = z.read(path)
        want = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert (digest, int(size)) == (want, len(data)), f"RECORD is wrong about {path}"
    assert len(z.namelist()) == len(z.read(f"{dist}/RECORD").decode().splitlines()), "RECORD misses files"
supported = {l.strip() for l in open(debug) if l.startswith("  ") and l.count("-") == 2}
assert supported, "pip debug --verbose listed no compatible tags"
assert tags & supported, f"pip takes none of {sorted(tags)} here"
print("tags", ", ".join(sorted(tags)), "- pip takes", ", ".join(sorted(tags & supported)))
PY

echo "-- every release target's tags, as pip takes them on such machines (wheels of a stand-in binary)"
echo "stand-in" > "$work/stand-in"
for target in linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64; do
  "$python" "$here/wheel.py" --binary "$work/stand-in" --target "$target" --version 0.0.1 "$work/targets" >/dev/null
done
# pip --platform takes the tags given as they are, except that it extends macOS ones to older
# versions; a real pip on such a machine takes the older manylinux/musllinux tags too.
for want in manylinux_2_17_x86_64:manylinux_2_17_x86_64 musllinux_1_1_aarch64:manylinux_2_17_aarch64 \
  macosx_14_0_x86_64:macosx_12_0_x86_64 macosx_15_0_arm64:macosx_12_0_arm64 win_amd64:win_amd64 macosx_11_0_arm64:none; do
  platform="${want%%:*}"
  got="$("$py" -m pip install --dry-run --quiet --no-index --find-links "$work/targets" --only-binary=:all: \
    --platform "$platform" --target "$work/target-$platform" --disable-pip-version-check --report - lsmock 2>/dev/null \
    | "$py" -c 'import json, sys; print(*[i["download_info"]["url"].split("-py3-none-")[1].split(".")[0] for i in json.load(sys.stdin)["install"]])' 2>/dev/null || echo none)"
  [ "$got" = "${want#*:}" ] || { echo "pip on $platform takes ${got}, not ${want#*:}"; exit 1; }
  echo "$platform: $got"
done

version="$("$work/venv/bin/lsmock" version)"
echo "lsmock command: $version"
[ "$version" = "lsmock $("$py" -c 'import lsmock; print(lsmock.__version__)')" ]

mkdir "$work/project" && cp "$here"/tests/*.py "$work/project/" && cd "$work/project"
# pytest exits 5 when it collected nothing: that is a failure here.
run_pytest() {
  local rc=0
  "$py" -m pytest -p no:cacheprovider -q -rfE "$@" || rc=$?
  [ "$rc" -ne 5 ] || { echo "pytest collected no tests"; exit 1; }
  return "$rc"
}

echo "-- pytest, the lsmock the fixture starts"
run_pytest

echo "-- pytest, one lsmock serve shared by the xdist workers (--lsmock-url)"
port="$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$work/venv/bin/lsmock" serve --addr "127.0.0.1:$port" --log-level warn &
serve_pid=$!
"$py" - "$port" <<'PY'
import sys, time, urllib.request
deadline = time.monotonic() + 15
while True:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/__lsmock/health", timeout=1)
        break
    except OSError:
        assert time.monotonic() < deadline, "lsmock serve did not answer"
        time.sleep(0.05)
PY
run_pytest -n 3 "--lsmock-url=http://127.0.0.1:$port"
kill -TERM "$serve_pid" && wait "$serve_pid" && serve_pid=

echo "-- without the packaged binary the suite must fail, saying why"
rm "$("$py" -c 'import lsmock, os; print(os.path.dirname(lsmock.__file__))')/bin/lsmock"
if run_pytest -x >"$work/missing.log" 2>&1; then
  echo "the suite passed with no binary: it proves nothing"; exit 1
fi
grep -m1 -o "lsmock: the binary is missing from the installed package (/[^)]*)" "$work/missing.log"
echo "Python wheel checks passed"
