// Calls LicenseAPI.changePassword with the real LicenseSpring Node SDK and prints one JSON
// line: {"result": ...} on success or {"error": ...} with what the SDK threw.
// Configured by environment: LSMOCK_API_PATH, LSMOCK_API_KEY, LSMOCK_SHARED_KEY,
// LSMOCK_USERNAME, LSMOCK_PASSWORD, LSMOCK_NEW_PASSWORD.
const { LicenseAPI } = require('@licensespring/node-sdk');

const env = (name, fallback) => process.env[name] ?? fallback;

const api = new LicenseAPI({
  apiPath: env('LSMOCK_API_PATH', 'http://127.0.0.1:8080/api/v4'),
  apiKey: env('LSMOCK_API_KEY', 'lsmock-api-key'),
  sharedKey: env('LSMOCK_SHARED_KEY', 'lsmock-shared-key'),
  appName: 'lsmock-check',
  appVersion: '1.0.0',
});

api
  .changePassword({
    username: env('LSMOCK_USERNAME', 'user@example.com'),
    password: env('LSMOCK_PASSWORD', 'old-password'),
    new_password: env('LSMOCK_NEW_PASSWORD', 'new-password'),
  })
  .then((result) => console.log(JSON.stringify({ result })))
  .catch((error) => {
    const plain = error instanceof Error ? { name: error.name, message: error.message } : error;
    console.log(JSON.stringify({ error: plain }));
  });
