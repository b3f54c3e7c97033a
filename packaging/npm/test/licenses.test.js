'use strict';
// srv.createLicense(), srv.create() and srv.deleteLicense(): declarations made at run time, for
// one session only, used by the real Node SDK; refusals as LsmockErrors carrying status, code
// and the fields at fault. packaging/npm/test.sh runs it in a fresh project; the SDK comes from
// NODE_PATH. (clock.test.js runs the time examples with licenses made this way.)
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

const manager = (apiKey, productCode = 'demo', hardwareID = 'npm-rt-hw') => new LicenseManager({
  apiPath: srv.apiPath, publicKey: srv.publicKey, apiKey, sharedKey: 'any',
  productCode, appName: 'npm-rt', appVersion: '1.0.0', hardwareID,
  filePath: fs.mkdtempSync(path.join(os.tmpdir(), 'lsmock-rt-')), fileKey: 'npm-rt-key',
});

// refused matches an LsmockError of the admin API: its status, code, and lsmock's own message.
const refused = (status, code, message) => (e) => {
  assert.ok(e instanceof lsmock.LsmockError, `not an LsmockError: ${e}`);
  assert.equal(e.name, 'LsmockError');
  assert.equal(e.status, status, e.message);
  assert.equal(e.code, code, e.message);
  if (message) assert.match(e.message, message);
  return true;
};
const sdkError = (code) => (e) => {
  assert.equal(e.code, code, `${e.code}: ${e.message}`);
  return true;
};

test('a license made at run time is activated by the SDK in its session only, until deleted', async () => {
  const session = 'npm-rt-license';
  const made = await srv.createLicense(session, { product: 'demo', license_key: 'NPM-RT-0000-0001', max_activations: 2 });
  assert.deepEqual(made, { kind: 'license', ref: 'NPM-RT-0000-0001', product: 'demo', license_key: 'NPM-RT-0000-0001' });
  const activated = await manager(session).activateLicense({ license_key: made.license_key });
  assert.equal(activated.max_activations, 2);

  await assert.rejects(manager('npm-rt-license-other').activateLicense({ license_key: made.license_key }), sdkError('license_not_found'));
  await assert.rejects(srv.deleteLicense('npm-rt-license-other', made.ref), refused(404, 'not_found'),
    "another session has no such declaration");

  await srv.deleteLicense(session, made.ref);
  await assert.rejects(manager(session, 'demo', 'npm-rt-hw-2').activateLicense({ license_key: made.license_key }), sdkError('license_not_found'));
  await assert.rejects(srv.deleteLicense(session, made.ref), refused(404, 'not_found'), 'deleted once');
});

test('a generated key, when the license names none', async () => {
  const a = await srv.createLicense('npm-rt-generated', { product: 'demo' });
  const b = await srv.createLicense('npm-rt-generated', { product: 'demo' });
  assert.match(a.license_key, /\S/);
  assert.notEqual(a.license_key, b.license_key);
  assert.equal(a.ref, a.license_key);
  assert.equal((await manager('npm-rt-generated').activateLicense({ license_key: b.license_key })).license_key, b.license_key);
});

test('a user-based product, its user and license, made at run time; the ref with a slash deletes it', async () => {
  const session = 'npm-rt-user';
  assert.deepEqual(await srv.create(session, { product: { short_code: 'npm-rt-users', authorization_method: 'user' } }),
    { kind: 'product', ref: 'product:npm-rt-users', product: 'npm-rt-users' });
  const user = await srv.create(session, { user: { username: 'ann@example.com' } });
  assert.equal(user.kind, 'user');
  assert.equal(user.ref, 'user:ann@example.com');
  assert.match(user.password, /\S/, 'a generated password');
  const license = await srv.createLicense(session, { product: 'npm-rt-users', username: 'ann@example.com' });
  assert.deepEqual(license, { kind: 'license', ref: 'user:ann@example.com/npm-rt-users', product: 'npm-rt-users', username: 'ann@example.com' });

  const lm = manager(session, 'npm-rt-users');
  assert.equal((await lm.activateLicense({ username: 'ann@example.com', password: user.password })).user.email, 'ann@example.com');

  await assert.rejects(srv.deleteLicense(session, 'product:npm-rt-users'), refused(409, 'in_use'), 'its license names it');
  await srv.deleteLicense(session, license.ref);
  await srv.deleteLicense(session, 'product:npm-rt-users');
  await assert.rejects(srv.createLicense(session, { product: 'npm-rt-users', username: 'ann@example.com' }), refused(400, 'invalid_declaration'),
    'the product is gone');
});

test('deleteLicense() without a ref, and reset(session), remove every run-time declaration', async () => {
  const session = 'npm-rt-all';
  const one = await srv.createLicense(session, { product: 'demo' });
  await srv.create(session, { product: { short_code: 'npm-rt-all-prod' } });
  await srv.deleteLicense(session);
  await assert.rejects(manager(session).activateLicense({ license_key: one.license_key }), sdkError('license_not_found'));
  await srv.create(session, { product: { short_code: 'npm-rt-all-prod' } }); // free again

  const two = await srv.createLicense(session, { product: 'demo', license_key: 'NPM-RT-ALL-0002' });
  await srv.reset(session);
  await assert.rejects(manager(session).activateLicense({ license_key: two.license_key }), sdkError('license_not_found'));
});

test('a malformed declaration is refused with lsmock message and the field at fault', async () => {
  const session = 'npm-rt-bad';
  await assert.rejects(srv.createLicense(session, { product: 'demo', max_activations: -1 }), (e) => {
    refused(400, 'invalid_declaration', /^lsmock: license\.max_activations: /)(e);
    assert.equal(e.errors.length, 1);
    assert.equal(e.errors[0].field, 'license.max_activations');
    assert.match(e.errors[0].message, /negative/);
    assert.ok(e.errors[0].line >= 1 && e.errors[0].column >= 1, JSON.stringify(e.errors[0]));
    return true;
  });
  await assert.rejects(srv.createLicense(session, { product: 'no-such-product' }), refused(400, 'invalid_declaration', /no-such-product/));
  await assert.rejects(srv.createLicense(session, { product: 'demo', license_key: 'DEMO-PERP-0000-0001' }),
    refused(400, 'invalid_declaration', /DEMO-PERP-0000-0001/), 'the files declare that key');
  await assert.rejects(srv.createLicense(session, { product: 'demo', no_such_key: 1 }), refused(400, 'invalid_declaration', /no_such_key/));
  await assert.rejects(srv.create(session, { license: { product: 'demo' }, user: { username: 'x@example.com' } }),
    refused(400, 'invalid_declaration'), 'one declaration at a time');
  await assert.rejects(srv.createLicense(session, { product: 'demo', metadata: { blob: 'x'.repeat(70 * 1024) } }), refused(413, 'body_too_large'));

  assert.throws(() => srv.createLicense('', { product: 'demo' }), TypeError);
  assert.throws(() => srv.createLicense(session, null), TypeError);
  assert.throws(() => srv.createLicense(session, [{ product: 'demo' }]), TypeError);
  assert.throws(() => srv.create(session, 'license'), TypeError);
  assert.throws(() => srv.deleteLicense(session, ''), TypeError);
  assert.throws(() => srv.deleteLicense(undefined), TypeError);
});

test('a session holds at most 100 run-time declarations', async () => {
  const session = 'npm-rt-full';
  for (let i = 0; i < 100; i += 1) await srv.createLicense(session, { product: 'demo' });
  await assert.rejects(srv.createLicense(session, { product: 'demo' }), refused(409, 'declarations_full'));
  await srv.deleteLicense(session);
  await srv.createLicense(session, { product: 'demo' });
});
