// Runs bundle flows with the real LicenseSpring Node SDK's BundleManager against lsmock and
// prints one JSON line per step: {"step": ..., "result": ...} or {"step": ..., "error": {status,
// code, message}}. Configured by environment: LSMOCK_API_PATH, LSMOCK_PUBLIC_KEY (PEM),
// LSMOCK_API_KEY, LSMOCK_SHARED_KEY, LSMOCK_FLOW (which flow), LSMOCK_DIR (where the SDK keeps
// its license file). The SDK checks every signature: LicenseSignature over JSON.stringify of
// the array, and each license's license_signature (api.js activateBundle, checkBundle).
const { BundleManager } = require('@licensespring/node-sdk');

const { env, step } = require('./steps');

const bundleCode = 'demo-bundle';
const bundleKey = 'DEMO-BNDL-0000-0011';

function manager(hardwareID) {
  return new BundleManager({
    apiPath: env('LSMOCK_API_PATH', 'http://127.0.0.1:8080/api/v4'),
    publicKey: env('LSMOCK_PUBLIC_KEY'),
    apiKey: env('LSMOCK_API_KEY', 'lsmock-api-key'),
    sharedKey: env('LSMOCK_SHARED_KEY', 'lsmock-shared-key'),
    appName: 'lsmock-check',
    appVersion: '1.0.0',
    productCode: bundleCode,
    hardwareID,
    filePath: env('LSMOCK_DIR', '.'),
    filename: `${bundleCode}-${hardwareID}`,
    fileKey: 'lsmock-file-key',
  });
}

// A bundle answer in short: each license's product, key and activations.
const summary = (list) => list.map((l) => ({ product: l.product_details.short_code, license_key: l.license_key, times_activated: l.times_activated }));

const flows = {
  // activate, check and deactivate the bundle on one device; then check it again.
  async bundle() {
    const bm = manager('hw-node-bundle-1');
    await step('activate', async () => summary(await bm.activateBundle({ license_key: bundleKey })));
    await step('check', async () => summary(await bm.checkBundle({ license_key: bundleKey })));
    await step('deactivate', async () => await bm.deactivateBundle({ license_key: bundleKey }));
    await step('check after deactivate', async () => summary(await bm.checkBundle({ license_key: bundleKey })));
  },
  // each license of the bundle allows two devices: a third is refused.
  async max() {
    for (const hw of ['hw-node-bundle-a', 'hw-node-bundle-b', 'hw-node-bundle-c']) {
      await step('activate on ' + hw, async () => summary(await manager(hw).activateBundle({ license_key: bundleKey })));
    }
    await step('unknown key', async () => summary(await manager('hw-node-bundle-a').activateBundle({ license_key: 'NOPE' })));
  },
};

const flow = flows[env('LSMOCK_FLOW', 'bundle')];
if (!flow) {
  console.error(`no flow ${env('LSMOCK_FLOW')}; flows: ${Object.keys(flows).join(', ')}`);
  process.exit(2);
}
flow().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
