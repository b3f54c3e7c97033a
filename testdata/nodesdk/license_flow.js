// Runs license flows with the real LicenseSpring Node SDK against lsmock and prints one JSON
// line per step: {"step": ..., "result": ...} or {"step": ..., "error": {status, code, message}}.
// Configured by environment: LSMOCK_API_PATH, LSMOCK_PUBLIC_KEY (PEM), LSMOCK_API_KEY,
// LSMOCK_SHARED_KEY, LSMOCK_FLOW (which flow), LSMOCK_DIR (where the SDK keeps its license file).
const { LicenseManager } = require('@licensespring/node-sdk');

const env = (name, fallback) => process.env[name] ?? fallback;

function manager(productCode, hardwareID) {
  return new LicenseManager({
    apiPath: env('LSMOCK_API_PATH', 'http://127.0.0.1:8080/api/v4'),
    publicKey: env('LSMOCK_PUBLIC_KEY'),
    apiKey: env('LSMOCK_API_KEY', 'lsmock-api-key'),
    sharedKey: env('LSMOCK_SHARED_KEY', 'lsmock-shared-key'),
    appName: 'lsmock-check',
    appVersion: '1.0.0',
    productCode,
    hardwareID,
    filePath: env('LSMOCK_DIR', '.'),
    filename: `${productCode}-${hardwareID}`,
    fileKey: 'lsmock-file-key',
  });
}

function plain(error) {
  if (error instanceof Error) return { name: error.name, message: error.message };
  const { status, code, message } = error;
  return { status, code, message };
}

async function step(name, fn) {
  try {
    const result = await fn();
    console.log(JSON.stringify({ step: name, result }));
    return result;
  } catch (error) {
    console.log(JSON.stringify({ step: name, error: plain(error) }));
    return undefined;
  }
}

// A summary of a license answer: what a test wants to see, not the whole object.
const summary = (r) => r && ({ license_key: r.license_key, user: r.user && r.user.email, times_activated: r.times_activated, license_type: r.license_type, is_trial: r.is_trial });

const flows = {
  // activate, check through the License object, deactivate: a key-based license.
  async key() {
    const lm = manager('demo', 'hw-node-1');
    await step('activate', async () => summary(await lm.activateLicense({ license_key: 'DEMO-PERP-0000-0001' })));
    const license = lm.loadLicense();
    await step('check', async () => summary(await license.check()));
    await step('deactivate', async () => { await license.deactivate(); return license.licenseActive; });
    await step('check after deactivate', async () => summary(await lm.checkLicense({ license_key: 'DEMO-PERP-0000-0001' })));
  },
  // the same for a user-based license, then a change of password.
  async user() {
    const lm = manager('demo-users', 'hw-node-2');
    await step('activate', async () => summary(await lm.activateLicense({ username: 'demo-user@example.com', password: 'demo-password' })));
    const license = lm.loadLicense();
    await step('check', async () => summary(await license.check()));
    await step('deactivate', async () => { await license.deactivate(); return license.licenseActive; });
    await step('wrong password', async () => summary(await lm.activateLicense({ username: 'demo-user@example.com', password: 'nope' })));
  },
  // a trial key, then its activation.
  async trial() {
    const lm = manager('demo', 'hw-node-3');
    const trial = await step('trial', async () => (await lm.getTrialKey({})).license_key);
    await step('activate trial', async () => summary(await lm.activateLicense({ license_key: trial })));
    await step('trial again', async () => await lm.getTrialKey({}));
  },
  // the errors an SDK must handle.
  async errors() {
    const lm = manager('demo', 'hw-node-4');
    await step('unknown key', () => lm.activateLicense({ license_key: 'NO-SUCH-KEY' }));
    await step('disabled', () => lm.activateLicense({ license_key: 'DEMO-DSBL-0000-0004' }));
    await step('expired', () => lm.activateLicense({ license_key: 'DEMO-EXPD-0000-0003' }));
    await step('not activated', () => lm.checkLicense({ license_key: 'DEMO-TIME-0000-0002' }));
    const other = manager('nope', 'hw-node-4');
    await step('unknown product', () => other.activateLicense({ license_key: 'DEMO-PERP-0000-0001' }));
    for (const hw of ['hw-a', 'hw-b', 'hw-c', 'hw-d']) {
      await step(`activate on ${hw}`, async () => summary(await manager('demo', hw).activateLicense({ license_key: 'DEMO-PERP-0000-0001' })));
    }
  },
  // one activation, answered as the session's pinned scenario says.
  async once() {
    const lm = manager('demo', 'hw-node-5');
    await step('activate', async () => summary(await lm.activateLicense({ license_key: 'DEMO-UNLM-0000-0005' })));
  },
  async product() {
    const lm = manager('demo', 'hw-node-6');
    await step('product details', async () => (await lm.getProductDetails({})).short_code);
  },
};

const flow = flows[env('LSMOCK_FLOW', 'key')];
if (!flow) {
  console.error(`no flow ${env('LSMOCK_FLOW')}; flows: ${Object.keys(flows).join(', ')}`);
  process.exit(2);
}
flow().catch((e) => { console.error(e); process.exit(1); });
