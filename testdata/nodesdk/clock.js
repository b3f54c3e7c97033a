// Runs the time examples of docs/testing-time.md with the real LicenseSpring Node SDK: the
// test moves its session's lsmock clock (the session is the SDK's API key: an SDK cannot add
// headers) instead of waiting. Prints one JSON line per step, as license_flow.js does.
// Configured by environment: LSMOCK_URL (lsmock's base URL), LSMOCK_PUBLIC_KEY (PEM),
// LSMOCK_API_KEY, LSMOCK_FLOW (time, floating or trial), LSMOCK_DIR (the SDK's license files),
// LSMOCK_LICENSES (files: the embedded defaults' licenses; runtime: each flow declares its own
// license, or product, in its session first, as srv.createLicense does).
const { LicenseManager } = require('@licensespring/node-sdk');

const { env, step } = require('./steps');
const base = env('LSMOCK_URL', 'http://127.0.0.1:8080');
const apiKey = env('LSMOCK_API_KEY', 'lsmock-clock');
const runtime = env('LSMOCK_LICENSES', 'files') === 'runtime';

function manager(hardwareID, key = apiKey, productCode = 'demo') {
  return new LicenseManager({
    apiPath: `${base}/api/v4`,
    publicKey: env('LSMOCK_PUBLIC_KEY'),
    apiKey: key,
    sharedKey: 'lsmock-shared-key',
    appName: 'lsmock-clock',
    appVersion: '1.0.0',
    productCode,
    hardwareID,
    filePath: env('LSMOCK_DIR', '.'),
    filename: `${key}-${hardwareID}`,
    fileKey: 'lsmock-file-key',
  });
}

// advance moves the clock of the session key names, as srv.clock(key).advance(by) does.
async function advance(by, key = apiKey) {
  const res = await fetch(`${base}/__lsmock/sessions/${encodeURIComponent(key)}/clock`, {
    method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ advance: by }),
  });
  if (!res.ok) throw new Error(`advance ${by}: ${res.status} ${await res.text()}`);
  return (await res.json()).source;
}

// declare POSTs one run-time declaration ({license: {...}} or {product: {...}}) to the session
// key names, as srv.create(key, decl) does, and returns lsmock's 201 body.
async function declare(decl, key = apiKey) {
  const res = await fetch(`${base}/__lsmock/sessions/${encodeURIComponent(key)}/licenses`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(decl),
  });
  if (res.status !== 201) throw new Error(`declare ${JSON.stringify(decl)}: ${res.status} ${await res.text()}`);
  return res.json();
}

// The licenses the flows use: the embedded defaults', or ones each session declares itself.
const timeLicense = { license_key: 'RT-TIME-0000-0002', product: 'demo', license_type: 'time-limited', valid_duration: '30d' };
const floatingLicense = { license_key: 'RT-FLOT-0000-0008', product: 'demo', max_activations: 5, is_floating_cloud: true, floating_users: 1, floating_timeout: 10 };
const trialProduct = { short_code: 'rt-trial', allow_trial: true, trial_days: 14 };

// own is the key of a license this session declares (runtime), else the files' key.
async function own(license, filesKey, key = apiKey) {
  if (!runtime) return filesKey;
  return step(`declare ${license.license_key}`, async () => (await declare({ license }, key)).ref);
}

const flows = {
  // a 30-day license (valid_duration: 30d) activated, the clock moved 31 days: expired.
  // Another session, whose clock did not move, still has a valid license.
  // Run-time: another session does not see this session's license until it declares its own.
  async time() {
    const key = await own(timeLicense, 'DEMO-TIME-0000-0002');
    const lm = manager('hw-clock-time');
    await step('activate', async () => (await lm.activateLicense({ license_key: key })).license_type);
    const license = lm.loadLicense();
    await step('check', async () => (await license.check()).license_key);
    await step('advance 31d', () => advance('31d'));
    await step('check after 31 days', async () => (await license.check()).license_key);
    const otherKey = `${apiKey}-other`;
    const other = manager('hw-clock-time', otherKey);
    if (runtime) {
      await step('another session, before it declares', async () => (await other.activateLicense({ license_key: key })).license_type);
      await own(timeLicense, key, otherKey);
    }
    await step('another session activates', async () => (await other.activateLicense({ license_key: key })).license_type);
    await step('another session checks', async () => (await other.loadLicense().check()).license_key);
  },
  // a floating seat (floating_timeout: 10 minutes) freed by advancing the clock past it.
  async floating() {
    const key = await own(floatingLicense, 'DEMO-FLOT-0000-0008');
    const first = manager('hw-clock-flot-1');
    const second = manager('hw-clock-flot-2');
    await step('activate device 1', async () => (await first.activateLicense({ license_key: key })).is_floating_cloud);
    await step('activate device 2', async () => (await second.activateLicense({ license_key: key })).is_floating_cloud);
    await step('device 1 takes the seat', async () => (await first.checkLicense({ license_key: key })).floating_in_use_devices);
    await step('device 2 is refused', () => second.checkLicense({ license_key: key }));
    await step('advance 10m', () => advance('10m'));
    await step('device 2 takes the freed seat', async () => (await second.checkLicense({ license_key: key })).floating_in_use_devices);
  },
  // a trial (the demo product's trial_days: 14, or a product the session declares) that expires.
  async trial() {
    if (runtime) await step('declare product', async () => (await declare({ product: trialProduct })).ref);
    const lm = manager('hw-clock-trial', apiKey, runtime ? trialProduct.short_code : 'demo');
    const key = await step('trial key', async () => (await lm.getTrialKey({})).license_key);
    await step('activate trial', async () => (await lm.activateLicense({ license_key: key })).is_trial);
    const license = lm.loadLicense();
    await step('advance 13d', () => advance('13d'));
    await step('check on day 13', async () => (await license.check()).is_trial);
    await step('advance 1d', () => advance('1d'));
    await step('check on day 14', async () => (await license.check()).is_trial);
  },
};

const flow = flows[env('LSMOCK_FLOW', 'time')];
if (!flow) {
  console.error(`no flow ${env('LSMOCK_FLOW')}; flows: ${Object.keys(flows).join(', ')}`);
  process.exit(2);
}
flow().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
