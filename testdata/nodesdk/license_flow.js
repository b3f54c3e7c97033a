// Runs license flows with the real LicenseSpring Node SDK against lsmock and prints one JSON
// line per step: {"step": ..., "result": ...} or {"step": ..., "error": {status, code, message}}.
// Configured by environment: LSMOCK_API_PATH, LSMOCK_PUBLIC_KEY (PEM), LSMOCK_API_KEY,
// LSMOCK_SHARED_KEY, or for OAuth LSMOCK_TOKEN_URL, LSMOCK_CLIENT_ID and LSMOCK_CLIENT_SECRET,
// LSMOCK_FLOW (which flow), LSMOCK_DIR (where the SDK keeps its license file).
const { LicenseManager } = require('@licensespring/node-sdk');

const { env, step } = require('./steps');

// credentials are the API key and shared key, or with LSMOCK_TOKEN_URL set, an OAuth client
// as the Node SDK takes one (clientID, clientSecret, tokenUrl).
function credentials() {
  if (env('LSMOCK_TOKEN_URL')) {
    return { clientID: env('LSMOCK_CLIENT_ID'), clientSecret: env('LSMOCK_CLIENT_SECRET'), tokenUrl: env('LSMOCK_TOKEN_URL') };
  }
  return { apiKey: env('LSMOCK_API_KEY', 'lsmock-api-key'), sharedKey: env('LSMOCK_SHARED_KEY', 'lsmock-shared-key') };
}

function manager(productCode, hardwareID) {
  return new LicenseManager({
    apiPath: env('LSMOCK_API_PATH', 'http://127.0.0.1:8080/api/v4'),
    publicKey: env('LSMOCK_PUBLIC_KEY'),
    ...credentials(),
    appName: 'lsmock-check',
    appVersion: '1.0.0',
    productCode,
    hardwareID,
    filePath: env('LSMOCK_DIR', '.'),
    filename: `${productCode}-${hardwareID}`,
    fileKey: 'lsmock-file-key',
  });
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
  // devices whose ids lower-case differently in JavaScript and Go: the SDK checks
  // license_signature over toLowerCase() of hardware_id#key#validity.
  async unicode() {
    for (const hw of ['İSTANBUL-1', 'ΟΔΟΣ-ΣΑΣ', 'ΑΣ.Β', 'ΑΣ\u0301']) {
      await step(`activate on ${hw}`, async () => summary(await manager('demo', hw).activateLicense({ license_key: 'DEMO-UNLM-0000-0005' })));
      await step(`check on ${hw}`, async () => summary(await manager('demo', hw).loadLicense().check()));
    }
  },
  async product() {
    const lm = manager('demo', 'hw-node-6');
    await step('product details', async () => (await lm.getProductDetails({})).short_code);
  },
  // a consumption license used until it runs out: License.check() syncs what was used.
  async consumption() {
    const lm = manager('demo', 'hw-node-cons');
    await step('activate', async () => summary(await lm.activateLicense({ license_key: 'DEMO-CONS-0000-0006' })));
    const license = lm.loadLicense();
    for (const n of [2, 3, 1]) {
      await step(`use ${n} and check`, async () => {
        license.addLocalConsumption(n);
        await license.check();
        return { total: license.totalConsumptions, max: license.maxConsumptions };
      });
    }
  },
  // a feature checked and consumed; a floating feature's one seat taken, refused, released.
  async features() {
    const lm = manager('demo', 'hw-node-feat-1');
    await step('activate', async () => summary(await lm.activateLicense({ license_key: 'DEMO-FEAT-0000-0007' })));
    const license = lm.loadLicense();
    await step('check credits', async () => { await license.checkFeature('credits'); return license.featureData('credits').max_consumption; });
    // LicenseManager's calls, not License.check(): the SDK's check re-sends a feature's local
    // consumption on every sync (it never resets it), and checks the limit itself first.
    await step('use 4 credits', async () => (await lm.addFeatureConsumption({ license_key: 'DEMO-FEAT-0000-0007', feature: 'credits', consumptions: 4 })).total_consumptions);
    await step('credits checked', async () => (await lm.checkLicenseFeature({ license_key: 'DEMO-FEAT-0000-0007', feature: 'credits' })).total_consumptions);
    await step('use 7 more', () => lm.addFeatureConsumption({ license_key: 'DEMO-FEAT-0000-0007', feature: 'credits', consumptions: 7 }));
    await step('check a feature it lacks', () => license.checkFeature('nope'));
    await step('take the seat', async () => { await license.checkFeature('seat'); return true; });
    const other = manager('demo', 'hw-node-feat-2');
    await step('activate device 2', async () => summary(await other.activateLicense({ license_key: 'DEMO-FEAT-0000-0007' })));
    const second = other.loadLicense();
    await step('seat taken', () => second.checkFeature('seat'));
    await step('release the seat', async () => { await license.releaseFeature('seat'); return true; });
    await step('seat free', async () => { await second.checkFeature('seat'); return true; });
  },
  // a floating license: one seat; borrowed by one device, refused to another, released.
  async floating() {
    const key = 'DEMO-FLOT-0000-0008';
    const lm = manager('demo', 'hw-node-flot-1');
    await step('activate', async () => summary(await lm.activateLicense({ license_key: key })));
    await step('check', async () => { const r = await lm.checkLicense({ license_key: key }); return { in_use: r.floating_in_use_devices, users: r.floating_users }; });
    const until = new Date(Date.now() + 3600 * 1000).toISOString();
    await step('borrow', async () => (await lm.floatingBorrow({ license_key: key, borrowed_until: until })).borrowed_until === until);
    const other = manager('demo', 'hw-node-flot-2');
    await step('activate device 2', async () => summary(await other.activateLicense({ license_key: key })));
    await step('check device 2', () => other.checkLicense({ license_key: key }));
    // The SDK's own API call: LicenseManager.floatingRelease releases, then throws RangeError
    // (dayjs(null).toISOString()), and License.floatingRelease skips floating licenses.
    await step('release', () => lm.licenseAPI.floatingRelease({ license_key: key, product: 'demo', hardware_id: 'hw-node-flot-1' }));
    await step('check device 2 again', async () => (await other.checkLicense({ license_key: key })).floating_in_use_devices);
  },
  // a user-based license: listed, activated, its password changed, then the new password
  // works and the old one does not.
  async users() {
    const user = 'demo-user@example.com';
    const lm = manager('demo-users', 'hw-node-users-1');
    await step('user licenses', async () => (await lm.getUserLicenses({ username: user, password: 'demo-password' }))
      .map((l) => ({ product: l.license.product_details.short_code, user: l.user.email })));
    await step('activate', async () => summary(await lm.activateLicense({ username: user, password: 'demo-password' })));
    const license = lm.loadLicense();
    await step('change password', () => license.changePassword('demo-password', 'changed-password'));
    const other = manager('demo-users', 'hw-node-users-2');
    await step('activate with the old password', () => other.activateLicense({ username: user, password: 'demo-password' }));
    await step('activate with the new password', async () => summary(await other.activateLicense({ username: user, password: 'changed-password' })));
    await step('user licenses, new password', async () => (await lm.getUserLicenses({ username: user, password: 'changed-password' })).length);
  },
  // an OAuth-configured client: a token from lsmock, then signed-in calls.
  async oauth() {
    const lm = manager('demo', 'hw-node-oauth');
    if (!await step('activate', async () => summary(await lm.activateLicense({ license_key: 'DEMO-UNLM-0000-0005' })))) return;
    const license = lm.loadLicense();
    await step('check', async () => summary(await license.check()));
  },
};

const flow = flows[env('LSMOCK_FLOW', 'key')];
if (!flow) {
  console.error(`no flow ${env('LSMOCK_FLOW')}; flows: ${Object.keys(flows).join(', ')}`);
  process.exit(2);
}
// Exit when the flow ends: an OAuth client keeps a timer for its token's expiry.
flow().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
