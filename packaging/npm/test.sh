#!/usr/bin/env bash
# Tests the npm packages as a Node SDK team gets them, with no registry access for lsmock:
# packs them (pack.sh; BINARY=path packs a binary already built), installs both tarballs into a
# fresh project, runs test/helper.test.js, test/clock.test.js and test/licenses.test.js there with
# node:test and the real Node SDK (NODE_PATH=testdata/nodesdk/node_modules), checks `npx lsmock
# serve`, and shows that the same test fails when the packaged binary is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export NODE_PATH="${NODE_PATH:-$root/testdata/nodesdk/node_modules}"
[ -d "$NODE_PATH/@licensespring/node-sdk" ] || { echo "test.sh: no Node SDK in $NODE_PATH (npm ci --prefix testdata/nodesdk)"; exit 1; }

# get URL [NAME VALUE]...: the body of a GET that answered 2xx, else exit 1 (no curl needed).
get() {
  node -e 'const [u, ...h] = process.argv.slice(1); const headers = {}; for (let i = 0; i < h.length; i += 2) headers[h[i]] = h[i + 1];
    fetch(u, { headers }).then(async (r) => { if (!r.ok) process.exit(1); process.stdout.write(await r.text()); }, () => process.exit(1));' "$@"
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mapfile -t tarballs < <("$here/pack.sh" "$work/dist")
echo "packed: ${tarballs[*]##*/}"

mkdir "$work/project" && cd "$work/project"
echo '{"name":"lsmock-npm-check","version":"1.0.0","private":true}' > package.json
npm install --offline --no-audit --no-fund --loglevel=error "${tarballs[@]}"
cp "$here/test/helper.test.js" "$here/test/clock.test.js" "$here/test/licenses.test.js" .

echo "-- node --test with the installed package"
node --test helper.test.js clock.test.js licenses.test.js

echo "-- npx lsmock"
version="$(node -p "require('$here/lsmock/package.json').version")"
npx --offline lsmock version | tee /dev/stderr | grep -qx "lsmock $version"
port=$(node -e 'const s=require("net").createServer().listen(0,()=>{console.log(s.address().port);s.close()})')
npx --offline lsmock serve --addr "127.0.0.1:$port" --log-level warn &
npx_pid=$!
for _ in $(seq 50); do get "http://127.0.0.1:$port/__lsmock/health" >/dev/null && break; sleep 0.1; done
get "http://127.0.0.1:$port/api/v4/product_details?product=demo" Date "$(date -u '+%a, %d %b %Y %H:%M:%S GMT')" \
  Authorization 'algorithm="hmac-sha256",headers="date",signature="c2ln",apikey="npx"' | grep -q '"short_code":"demo"'
echo "npx lsmock serve answers the embedded defaults"
kill -TERM "$npx_pid"; wait "$npx_pid" 2>/dev/null || true
for _ in $(seq 30); do get "http://127.0.0.1:$port/__lsmock/health" >/dev/null || break; sleep 0.1; done
if get "http://127.0.0.1:$port/__lsmock/health" >/dev/null; then echo "lsmock outlived npx"; exit 1; fi
echo "stopping npx stops lsmock"

echo "-- without the packaged binary the same test must fail"
rm node_modules/@lsmock/*/bin/lsmock*
if node --test helper.test.js >"$work/missing.log" 2>&1; then
  echo "the test passed with no binary: it proves nothing"; exit 1
fi
grep -m1 -o "lsmock: @lsmock/[a-z0-9-]* is installed but has no [^;]*" "$work/missing.log"
echo "npm package checks passed"
