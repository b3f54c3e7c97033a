'use strict';
// Finds the lsmock binary: LSMOCK_BINARY, else the platform package npm installed beside this
// one (@lsmock/<platform>-<arch>, chosen by its "os" and "cpu" fields), as esbuild does.
const path = require('node:path');
const fs = require('node:fs');

const platforms = {
  'linux x64': '@lsmock/linux-x64',
  'linux arm64': '@lsmock/linux-arm64',
  'darwin x64': '@lsmock/darwin-x64',
  'darwin arm64': '@lsmock/darwin-arm64',
  'win32 x64': '@lsmock/win32-x64',
};

function binaryPath() {
  if (process.env.LSMOCK_BINARY) return process.env.LSMOCK_BINARY;
  const key = `${process.platform} ${process.arch}`;
  const pkg = platforms[key];
  if (!pkg) {
    throw new Error(`lsmock: no binary is published for ${key}; set LSMOCK_BINARY to a build of your own (go build ./cmd/lsmock)`);
  }
  const exe = process.platform === 'win32' ? 'lsmock.exe' : 'lsmock';
  let dir;
  try {
    dir = path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    throw new Error(`lsmock: the package ${pkg} is not installed (npm skips optional dependencies with --no-optional or --omit=optional); install it, or set LSMOCK_BINARY`);
  }
  const bin = path.join(dir, 'bin', exe);
  if (!fs.existsSync(bin)) {
    throw new Error(`lsmock: ${pkg} is installed but has no ${path.join('bin', exe)}; reinstall it, or set LSMOCK_BINARY`);
  }
  return bin;
}

module.exports = { binaryPath, platforms };
