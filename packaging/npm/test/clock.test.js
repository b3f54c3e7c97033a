'use strict';
// srv.clock(): the npm helper's test clocks, with the real Node SDK, as docs/testing-time.md
// shows them. The three examples run in parallel, each in its own session (the SDK's API key)
// of one lsmock: a session that moves its clock moves no other's. packaging/npm/test.sh runs
// it in a fresh project; the SDK comes from NODE_PATH.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const os = require('node:os');
const fs = require('node:fs');
const path = require('node:path');
const lsmock = require('lsmock');
const { LicenseManager } = require('@licensespring/node-sdk');

let srv;
before(async () => { srv = await lsmock.start(); });
after(async () => { await srv?.stop(); });

const manager = (apiKey, hardwareID) => new LicenseManager({
  apiPath: srv.apiPath, publicKey: srv.publicKey, apiKey, sharedKey: 'any',
  productCode: 'demo', appName: 'npm-clock', appVersion: '1.0.0', hardwareID,
  filePath: fs.mkdtempSync(path.join(os.tmpdir(), 'lsmock-clock-')), fileKey: 'npm-clock-key',
});

test('the three time examples, in parallel sessions', async (t) => {
  await Promise.all([
    t.test('a 30-day license expires after 31 days', async () => {
      const lm = manager('npm-clock-time', 'hw-1');
      await lm.activateLicense({ license_key: 'DEMO-TIME-0000-0002' });
      const license = lm.loadLicense();
      await license.check();
      const moved = await srv.clock('npm-clock-time').advance('31d');
      assert.equal(moved.source, 'session');
      await assert.rejects(license.check(), (e) => e.code === 'license_expired');

      const other = manager('npm-clock-time-other', 'hw-1');
      await other.activateLicense({ license_key: 'DEMO-TIME-0000-0002' });
      assert.equal((await other.loadLicense().check()).license_key, 'DEMO-TIME-0000-0002', 'another session keeps its time');
    }),
    t.test('a floating seat is freed by floating_timeout', async () => {
      const key = 'DEMO-FLOT-0000-0008';
      const first = manager('npm-clock-flot', 'hw-1');
      const second = manager('npm-clock-flot', 'hw-2');
      await first.activateLicense({ license_key: key });
      await second.activateLicense({ license_key: key });
      await first.checkLicense({ license_key: key });
      await assert.rejects(second.checkLicense({ license_key: key }), (e) => e.code === 'floating_not_available');
      await srv.clock('npm-clock-flot').advance('10m');
      assert.equal((await second.checkLicense({ license_key: key })).floating_in_use_devices, 1);
    }),
    t.test('a trial expires', async () => {
      const lm = manager('npm-clock-trial', 'hw-1');
      const { license_key: key } = await lm.getTrialKey({});
      await lm.activateLicense({ license_key: key });
      await srv.clock('npm-clock-trial').advance('14d');
      await assert.rejects(lm.loadLicense().check(), (e) => e.code === 'trial_expired');
    }),
  ]);
});

test('set, now, get and reset; the session clock wins over the global one', async () => {
  const own = srv.clock('npm-clock-own');
  assert.deepEqual((await own.set(new Date('2027-01-01T00:00:00Z'))).now, '2027-01-01T00:00:00.000Z');
  assert.equal((await own.advance('1d12h')).now, '2027-01-02T12:00:00.000Z');
  assert.equal((await own.advance(60 * 60 * 1000)).now, '2027-01-02T13:00:00.000Z', 'milliseconds');
  assert.deepEqual(await own.now(), new Date('2027-01-02T13:00:00Z'));

  const global = srv.clock();
  assert.deepEqual(await global.set('2030-06-01T00:00:00Z'), { now: '2030-06-01T00:00:00.000Z', set: true, source: 'global' });
  assert.equal((await own.get()).source, 'session', "the session's own clock wins");
  assert.equal((await srv.clock('npm-clock-unset').get()).now, '2030-06-01T00:00:00.000Z');
  const back = await own.reset();
  assert.equal(back.source, 'global');
  assert.equal(back.set, false);
  assert.equal((await global.reset()).source, 'real');
});

test('bad input is refused with what to send', async () => {
  const c = srv.clock('npm-clock-bad');
  await assert.rejects(c.advance('-1d'), /400 .*invalid_parameter.*negative/);
  await assert.rejects(c.advance('a month'), /400 .*1d12h/);
  await assert.rejects(c.set('next tuesday'), /400 .*RFC 3339/);
  assert.throws(() => c.set(42), TypeError);
  assert.throws(() => c.advance({}), TypeError);
  assert.throws(() => srv.clock(''), TypeError);
  assert.equal((await c.get()).set, false, 'refused moves change nothing');
});
