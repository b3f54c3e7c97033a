// Runs single sign-on with the real LicenseSpring Node SDK against lsmock and prints one JSON
// line per step: {"step": ..., "result": ...} or {"step": ..., "error": {status, code, message}}.
// The SDK asks getSSOUrl; this script then plays the person at the login page (a GET with
// login_hint, as lsmock's login page takes it) and reads the code or id_token from the
// redirect, which the SDK then activates with. Configured by environment: LSMOCK_API_PATH,
// LSMOCK_PUBLIC_KEY (PEM), LSMOCK_API_KEY, LSMOCK_DIR.
const { LicenseManager, LicenseAPI } = require('@licensespring/node-sdk');

const { env, step } = require('./steps');
const ACCOUNT = 'demo-account';
const USER = 'sso-user@example.com';
const REDIRECT = 'http://app.example/callback';

const config = {
  apiPath: env('LSMOCK_API_PATH', 'http://127.0.0.1:8080/api/v4'),
  publicKey: env('LSMOCK_PUBLIC_KEY'),
  apiKey: env('LSMOCK_API_KEY', 'lsmock-api-key'),
  sharedKey: 'lsmock-shared-key',
  appName: 'lsmock-check',
  appVersion: '1.0.0',
};

const lm = new LicenseManager({
  ...config,
  productCode: 'demo-users',
  hardwareID: 'hw-node-sso',
  filePath: env('LSMOCK_DIR', '.'),
  filename: 'demo-users-sso',
  fileKey: 'lsmock-file-key',
});

// signIn follows the SSO URL to lsmock's login page as USER and returns the redirect's
// parameters (code in its query, id_token in its fragment).
async function signIn(url) {
  const res = await fetch(`${url}&login_hint=${encodeURIComponent(USER)}`, { redirect: 'manual' });
  if (res.status !== 302) throw { status: res.status, code: 'login_page', message: await res.text() };
  const back = new URL(res.headers.get('location'));
  return new URLSearchParams(back.hash ? back.hash.slice(1) : back.search);
}

const summary = (r) => r && ({ user: r.user && r.user.email, customer_account: r.customer && r.customer.customer_account && r.customer.customer_account.code, times_activated: r.times_activated });

(async () => {
  const codeURL = await step('sso_url code', async () => {
    const r = await lm.getSSOUrl({ customer_account_code: ACCOUNT, response_type: 'code', redirect_uri: REDIRECT });
    return { login_page: new URL(r.url).pathname, issuer: new URL(r.openid_configuration.issuer).pathname, url: r.url };
  });
  const code = (await signIn(codeURL.url)).get('code');
  await step('activate by code', async () => summary(await lm.activateLicense({ code, customer_account_code: ACCOUNT })));
  await step('check', async () => summary(await lm.loadLicense().check()));
  await step('code used again', async () => summary(await lm.activateLicense({ code, customer_account_code: ACCOUNT })));

  const tokenURL = await step('sso_url token', async () => (await lm.getSSOUrl({ customer_account_code: ACCOUNT, response_type: 'token', redirect_uri: REDIRECT })).url);
  const idToken = (await signIn(tokenURL)).get('id_token');
  const api = new LicenseAPI(config);
  await step('user licenses by id_token', async () => (await api.getUserLicenses({ id_token: idToken, customer_account_code: ACCOUNT }))
    .map((l) => ({ user: l.user.email, product: l.license.product_details.short_code })));
  await step('another account', async () => summary(await lm.activateLicense({ id_token: idToken, customer_account_code: 'nope' })));
  await step('a forged token', async () => summary(await lm.activateLicense({ id_token: `${idToken}x`, customer_account_code: ACCOUNT })));
})();
