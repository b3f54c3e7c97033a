// Runs the time examples of docs/testing-time.md with the real LicenseSpring Node SDK: the
// test moves its session's lsmock clock (the session is the SDK's API key: an SDK cannot add
// headers) instead of waiting. Prints one JSON line per step, as license_flow.js does.
// Configured by environment: LSMOCK_URL (lsmock's base URL), LSMOCK_PUBLIC_KEY (PEM),
// LSMOCK_API_KEY, LSMOCK_FLOW (time, floating or trial), LSMOCK_DIR (the SDK's license files).
const { LicenseManager } = require('@licensespring/node-sdk');

const { env, step } = require('./steps');
const base = env('LSMOCK_URL', 'http://127.0.0.1:8080');
const apiKey = env('LSMOCK_API_KEY', 'lsmock-clock');

function manager(hardwareID, key = apiKey) {
  return new LicenseManager({
    apiPath: `${base}/api/v4`,
    publicKey: env('LSMOCK_PUBLIC_KEY'),
    apiKey: key,
    sharedKey: 'lsmock-shared-key',
    appName: 'lsmock-clock',
    appVersion: '1.0.0',
    productCode: 'demo',
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

const flows = {
  // a 30-day license (valid_duration: 30d) activated, the clock moved 31 days: expired.
  // Another session, whose clock did not move, still has a valid license.
  async time() {
    const lm = manager('hw-clock-time');
    await step('activate', async () => (await lm.activateLicense({ license_key: 'DEMO-TIME-0000-0002' })).license_type);
    const license = lm.loadLicense();
    await step('check', async () => (await license.check()).license_key);
    await step('advance 31d', () => advance('31d'));
    await step('check after 31 days', async () => (await license.check()).license_key);
    const other = manager('hw-clock-time', `${apiKey}-other`);
    await step('another session activates', async () => (await other.activateLicense({ license_key: 'DEMO-TIME-0000-0002' })).license_type);
    await step('another session checks', async () => (await other.loadLicense().check()).license_key);
  },
  // a floating seat (floating_timeout: 10 minutes) freed by advancing the clock past it.
  async floating() {
    const key = 'DEMO-FLOT-0000-0008';
    const first = manager('hw-clock-flot-1');
    const second = manager('hw-clock-flot-2');
    await step('activate device 1', async () => (await first.activateLicense({ license_key: key })).is_floating_cloud);
    await step('activate device 2', async () => (await second.activateLicense({ license_key: key })).is_floating_cloud);
    await step('device 1 takes the seat', async () => (await first.checkLicense({ license_key: key })).floating_in_use_devices);
    await step('device 2 is refused', () => second.checkLicense({ license_key: key }));
    await step('advance 10m', () => advance('10m'));
    await step('device 2 takes the freed seat', async () => (await second.checkLicense({ license_key: key })).floating_in_use_devices);
  },
  // a trial (the demo product's trial_days: 14) that expires.
  async trial() {
    const lm = manager('hw-clock-trial');
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
