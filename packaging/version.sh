#!/usr/bin/env bash
# Prints lsmock's version: the npm package's (packaging/npm/lsmock/package.json), which
# release.sh stamps into the binaries and the npm and Python packages carry.
set -euo pipefail
sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$(dirname "$0")/npm/lsmock/package.json" | head -1
