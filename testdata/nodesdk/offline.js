// Runs the real LicenseSpring Node SDK's offline activation flow against lsmock and prints one
// JSON line per step, as license_flow.js does: {"step": ..., "result": ...} or
// {"step": ..., "error": {status, code, message}}. The request files are the SDK's own
// (createOfflineActivationPayload, License.deactivateOffline); the response file is lsmock's
// answer, base64-encoded as the vendor's portal hands it out, read by the SDK's activateOffline.
// Configured by environment: LSMOCK_API_PATH, LSMOCK_PUBLIC_KEY (PEM), LSMOCK_API_KEY,
// LSMOCK_DIR (where the SDK keeps its files).
const fs = require('node:fs');
const path = require('node:path');
const { LicenseManager } = require('@licensespring/node-sdk');

const { env, step } = require('./steps');
const dir = env('LSMOCK_DIR', '.');
const apiPath = env('LSMOCK_API_PATH', 'http://127.0.0.1:8080/api/v4');

function manager(hardwareID) {
  return new LicenseManager({
    apiPath,
    publicKey: env('LSMOCK_PUBLIC_KEY'),
    apiKey: env('LSMOCK_API_KEY', 'lsmock-offline'),
    sharedKey: 'lsmock-shared-key',
    appName: 'lsmock-check',
    appVersion: '1.0.0',
    productCode: 'demo',
    hardwareID,
    filePath: dir,
    filename: `offline-${hardwareID}`,
    fileKey: 'lsmock-file-key',
  });
}

const summary = (r) => r && ({ license_key: r.license_key, hardware_id: r.hardware_id, times_activated: r.times_activated, allow_offline_activation: r.allow_offline_activation });

// post sends a request file as the SDK's own API call does (its auth headers, text/plain) and
// returns the raw answer: the response file the SDK later reads is made from these bytes.
async function post(lm, name, body) {
  const headers = await lm.licenseAPI.service.generateLicenseAPIAuthHeaders();
  const res = await fetch(`${apiPath}/${name}`, { method: 'POST', body, headers: { ...headers, 'Content-Type': 'text/plain' } });
  const text = await res.text();
  if (!res.ok) throw JSON.parse(text);
  return text;
}

async function main() {
  const lm = manager('hw-node-offline');
  const requestFile = path.join(dir, 'activate_offline.req');
  fs.writeFileSync(requestFile, lm.createOfflineActivationPayload({ license_key: 'DEMO-OFFL-0000-0009' }));
  const request = fs.readFileSync(requestFile, 'utf8');
  await step('request file', () => {
    const { schema_version, request: kind, license_key } = lm.decodeOfflineActivationPayload(request);
    return { schema_version, request: kind, license_key };
  });

  // The SDK's own API call verifies license_signature and license_signature_v2 itself.
  await step('activate offline (API)', async () => summary(await lm.licenseAPI.activateOffline(request)));

  const responseFile = path.join(dir, 'activate_offline.lic');
  await step('response file', async () => {
    const body = await post(lm, 'activate_offline', request);
    fs.writeFileSync(responseFile, Buffer.from(body).toString('base64'));
    return /^[\x20-\x7e]*$/.test(body); // ASCII
  });
  await step('activate from the response file', () => summary(lm.activateOffline(fs.readFileSync(responseFile, 'utf8'))));
  const license = lm.loadLicense();
  await step('license file', () => ({ key: license.licenseKey ?? license.currentLicenseData.license.license_key, active: license.licenseActive }));
  await step('check online', async () => summary(await license.check()));

  const tampered = JSON.parse(Buffer.from(fs.readFileSync(responseFile, 'utf8'), 'base64').toString());
  tampered.max_activations = 1000;
  await step('tampered response file', () => summary(lm.activateOffline(Buffer.from(JSON.stringify(tampered)).toString('base64'))));

  // License.deactivateOffline writes the deactivation request file and forgets the license.
  await step('deactivation request file', async () => { await license.deactivateOffline(dir); return license.licenseActive; });
  const deactivation = fs.readFileSync(path.join(dir, 'deactivate_offline.req'), 'utf8');
  await step('deactivate offline', async () => await lm.licenseAPI.deactivateOffline(deactivation));
  await step('check after', async () => summary(await lm.checkLicense({ license_key: 'DEMO-OFFL-0000-0009' })));

  await step('empty request', async () => summary(await lm.licenseAPI.activateOffline('')));
  await step('not base64', async () => summary(await lm.licenseAPI.activateOffline('%%% not a request file %%%')));
  await step('not allowed offline', async () => summary(await lm.licenseAPI.activateOffline(
    lm.createOfflineActivationPayload({ license_key: 'DEMO-PERP-0000-0001' }))));
}

main().catch((e) => { console.error(e); process.exit(1); });
