'use strict';
// srv.clock() and srv.createLicense(): the npm helper's test clocks, with the real Node SDK, as
// docs/testing-time.md shows them. The three examples run in parallel, each in its own session
// (the SDK's API key) of one lsmock, each with the license (or product) it made itself at run
// time: a session that moves its clock moves no other's, and sees no other's licenses.
// packaging/npm/test.sh runs it in a fresh project; the SDK comes from NODE_PATH.
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

const manager = (apiKey, hardwareID, productCode = 'demo') => new LicenseManager({
  apiPath: srv.apiPath, publicKey: srv.publicKey, apiKey, sharedKey: 'any',
  productCode, appName: 'npm-clock', appVersion: '1.0.0', hardwareID,
  filePath: fs.mkdtempSync(path.join(os.tmpdir(), 'lsmock-clock-')), fileKey: 'npm-clock-key',
});

// the SDK's error, as it throws it for an answer of lsmock's: {status, code, message}
const sdkError = (code) => (e) => {
  assert.equal(e.code, code, `${e.code}: ${e.message}`);
  return true;
};

// inParallel runs the examples as concurrent subtests (node:test runs subtests one at a time
// unless told otherwise) and fails unless they did overlap.
async function inParallel(t, examples) {
  let running = 0;
  let most = 0;
  await Promise.all(Object.entries(examples).map(([name, fn]) => t.test(name, async () => {
    running += 1;
    most = Math.max(most, running);
    try { await fn(); } finally { running -= 1; }
  })));
  assert.ok(most > 1, `the examples ran one at a time (at most ${most} at once)`);
}

test('the three time examples, in parallel sessions, each with licenses made at run time', { concurrency: true }, async (t) => {
  await inParallel(t, {
    'a 30-day license expires after 31 days': async () => {
      const session = 'npm-clock-time';
      const made = await srv.createLicense(session, { product: 'demo', license_type: 'time-limited', valid_duration: '30d' });
      assert.equal(made.kind, 'license');
      assert.equal(made.product, 'demo');
      assert.equal(made.ref, made.license_key, 'a generated key names it');
      const lm = manager(session, 'hw-1');
      assert.equal((await lm.activateLicense({ license_key: made.license_key })).license_type, 'time-limited');
      const license = lm.loadLicense();
      assert.equal((await license.check()).license_key, made.license_key);
      const moved = await srv.clock(session).advance('31d');
      assert.equal(moved.source, 'session');
      await assert.rejects(license.check(), sdkError('license_expired'));

      const otherSession = `${session}-other`;
      const other = manager(otherSession, 'hw-1');
      await assert.rejects(other.activateLicense({ license_key: made.license_key }), sdkError('license_not_found'),
        "another session does not see this session's license");
      const own = await srv.createLicense(otherSession, { product: 'demo', license_type: 'time-limited', valid_duration: '30d' });
      await other.activateLicense({ license_key: own.license_key });
      assert.equal((await other.loadLicense().check()).license_key, own.license_key, 'another session keeps its time');
    },
    'a floating seat is freed by floating_timeout': async () => {
      const session = 'npm-clock-flot';
      const { license_key: key } = await srv.createLicense(session, {
        product: 'demo', is_floating: true, floating_users: 1, floating_timeout: 10, max_activations: 2,
      });
      const first = manager(session, 'hw-1');
      const second = manager(session, 'hw-2');
      await first.activateLicense({ license_key: key });
      await second.activateLicense({ license_key: key });
      assert.equal((await first.checkLicense({ license_key: key })).floating_in_use_devices, 1);
      await assert.rejects(second.checkLicense({ license_key: key }), sdkError('floating_not_available'));
      await srv.clock(session).advance('9m');
      await assert.rejects(second.checkLicense({ license_key: key }), sdkError('floating_not_available'), 'not yet: 9 of 10 minutes');
      await srv.clock(session).advance('1m');
      assert.equal((await second.checkLicense({ license_key: key })).floating_in_use_devices, 1, 'the seat went to device 2');
    },
    'a trial of a product made at run time expires': async () => {
      const session = 'npm-clock-trial';
      const product = await srv.create(session, { product: { short_code: 'npm-rt-trial', allow_trial: true, trial_days: 3 } });
      assert.deepEqual(product, { kind: 'product', ref: 'product:npm-rt-trial', product: 'npm-rt-trial' });
      const lm = manager(session, 'hw-1', 'npm-rt-trial');
      const { license_key: key } = await lm.getTrialKey({});
      assert.equal((await lm.activateLicense({ license_key: key })).is_trial, true);
      const license = lm.loadLicense();
      await srv.clock(session).advance('2d');
      assert.equal((await license.check()).is_trial, true, 'day 2 of 3');
      await srv.clock(session).advance('1d');
      await assert.rejects(license.check(), sdkError('trial_expired'));
      await assert.rejects(manager(`${session}-other`, 'hw-1', 'npm-rt-trial').getTrialKey({}), sdkError('unknown_product'),
        "another session does not know this session's product");
    },
  });
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
  await assert.rejects(c.advance('-1d'), (e) => e instanceof lsmock.LsmockError && e.status === 400 && e.code === 'invalid_parameter');
  await assert.rejects(c.advance('a month'), /400 .*1d12h/);
  await assert.rejects(c.set('next tuesday'), /400 .*RFC 3339/);
  assert.throws(() => c.set(42), TypeError);
  assert.throws(() => c.advance({}), TypeError);
  assert.throws(() => srv.clock(''), TypeError);
  assert.equal((await c.get()).set, false, 'refused moves change nothing');
});
