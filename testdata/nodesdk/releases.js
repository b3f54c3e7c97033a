// Runs the real LicenseSpring Node SDK's device variables, versions and installation file
// calls against lsmock and prints one JSON line per step: {"step": ..., "result": ...} or
// {"step": ..., "error": {status, code, message}}. Configured by environment: LSMOCK_API_PATH,
// LSMOCK_PUBLIC_KEY (PEM), LSMOCK_API_KEY, LSMOCK_DIR (where the SDK keeps its license file).
// The SDK verifies every answer's LicenseSignature with the public key.
const { LicenseManager } = require('@licensespring/node-sdk');

const { env, step } = require('./steps');

const lm = new LicenseManager({
  apiPath: env('LSMOCK_API_PATH', 'http://127.0.0.1:8080/api/v4'),
  publicKey: env('LSMOCK_PUBLIC_KEY'),
  apiKey: env('LSMOCK_API_KEY', 'lsmock-releases'),
  sharedKey: 'lsmock-shared-key',
  appName: 'lsmock-check',
  appVersion: '1.0.0',
  productCode: 'demo',
  hardwareID: 'hw-node-releases',
  filePath: env('LSMOCK_DIR', '.'),
  filename: 'demo-releases',
  fileKey: 'lsmock-file-key',
});

const license_key = 'DEMO-PERP-0000-0001';

(async () => {
  await step('versions before activating', async () => await lm.getVersions({ license_key }));
  await step('activate', async () => (await lm.activateLicense({ license_key })).license_key);
  await step('track variables', async () => (await lm.trackDeviceVariables({ license_key, variables: { os: 'linux', cores: '8' } }))
    .map((v) => [v.variable, v.value]));
  await step('get variables', async () => (await lm.getDeviceVariables({ license_key })).map((v) => [v.variable, v.value]));
  await step('versions', async () => (await lm.getVersions({ license_key, env: 'win64', channel: 'stable' })).map((v) => v.version));
  await step('installation file', async () => {
    const f = await lm.getInstallationFile({ license_key, env: 'win64', channel: 'stable' });
    return { version: f.version, installation_file: f.installation_file, hash_md5: f.hash_md5 };
  });
  await step('installation file of 1.0.0', async () => (await lm.getInstallationFile({ license_key, version: '1.0.0' })).version);
  await step('unknown version', async () => await lm.getInstallationFile({ license_key, version: '0.0.1' }));
})();
