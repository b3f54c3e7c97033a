'use strict';
// The npm package as a Node SDK team uses it: installed from its tarballs, lsmock started by
// the helper, the real Node SDK pointed at srv.apiPath with srv.publicKey. packaging/npm/test.sh
// runs it in a fresh project; the SDK comes from NODE_PATH.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const os = require('node:os');
const fs = require('node:fs');
const path = require('node:path');
const lsmock = require('lsmock');
const { LicenseAPI, LicenseManager } = require('@licensespring/node-sdk');

let srv;
before(async () => { srv = await lsmock.start(); });
after(async () => { await srv?.stop(); });

const api = (apiKey) => new LicenseAPI({ apiPath: srv.apiPath, apiKey, sharedKey: 'any', appName: 'npm-test', appVersion: '1.0.0' });

test('lsmock serves on a free port, with its public key', () => {
  assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(srv.apiPath, `${srv.url}/api/v4`);
  assert.match(srv.publicKey, /^-----BEGIN PUBLIC KEY-----/);
});

test('the Node SDK changes a password', async () => {
  assert.equal(await api('npm-change-password').changePassword({ username: 'user@example.com', password: 'old', new_password: 'new' }), true);
});

test('the Node SDK activates and checks a license, verifying lsmock signatures', async () => {
  const lm = new LicenseManager({
    apiPath: srv.apiPath, publicKey: srv.publicKey, apiKey: 'npm-activate', sharedKey: 'any',
    productCode: 'demo', appName: 'npm-test', appVersion: '1.0.0', hardwareID: 'npm-hw-1',
    filePath: fs.mkdtempSync(path.join(os.tmpdir(), 'lsmock-npm-')), fileKey: 'npm-test-key',
  });
  const activated = await lm.activateLicense({ license_key: 'DEMO-PERP-0000-0001' });
  assert.equal(activated.license_key, 'DEMO-PERP-0000-0001');
  const checked = await lm.loadLicense().check();
  assert.equal(checked.times_activated, 1);
});

test('pin, requests and reset reach the admin API', async () => {
  await srv.pin('internal_error', 'npm-pinned');
  await assert.rejects(api('npm-pinned').changePassword({ username: 'u@example.com', password: 'a', new_password: 'b' }),
    (e) => e.code === 'internal_error');
  const seen = await srv.requests({ operation: 'changePassword', scenario: 'internal_error' });
  assert.equal(seen.length, 1);
  assert.equal(seen[0].body.password, '[redacted]');
  await srv.assertRequests({ scenario: 'internal_error', count: 1 });
  await srv.reset();
  assert.equal(await api('npm-pinned').changePassword({ username: 'u@example.com', password: 'a', new_password: 'b' }), true, 'reset cleared the pin');
});

test('start() fails clearly when it cannot run lsmock', async () => {
  await assert.rejects(lsmock.start({ binary: path.join(os.tmpdir(), 'no-such-lsmock') }), /cannot run .*no-such-lsmock/);
  await assert.rejects(lsmock.start({ args: ['--no-such-flag'] }), /exited \(status 2\) before it served[\s\S]*no-such-flag/);
});

test('stop() ends lsmock', async () => {
  const other = await lsmock.start();
  await other.stop();
  await assert.rejects(fetch(`${other.url}/__lsmock/health`));
});
