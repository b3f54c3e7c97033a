#!/usr/bin/env node
'use strict';
// `npx lsmock ...`: runs the platform's lsmock binary with the same arguments, and exits as
// it does. Signals are passed on, so Ctrl-C and a CI job's SIGTERM stop lsmock gracefully.
const { spawn } = require('node:child_process');
const { binaryPath } = require('../lib/binary');

let bin;
try {
  bin = binaryPath();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const child = spawn(bin, process.argv.slice(2), { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => child.kill(sig));
}
child.on('error', (e) => {
  console.error(`lsmock: cannot run ${bin}: ${e.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// npx does not pass a SIGTERM on to the command it runs: under npx, stop lsmock when npx
// itself has gone, so `npx lsmock serve & ... kill %1` in a CI job leaves nothing behind.
if (process.env.npm_command === 'exec') {
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) child.kill('SIGTERM');
  }, 500).unref();
}
