'use strict';
// start() runs lsmock for a test suite: on a free port, ready when it resolves, stopped by
// stop() or when the process exits. See index.d.ts for the options and the server's methods.
const { spawn } = require('node:child_process');
const readline = require('node:readline');
const { binaryPath } = require('./binary');

async function start(options = {}) {
  const {
    scenarios, spec, auth, apiKey, sharedKey, clientId, clientSecret, env, args = [],
    host = '127.0.0.1', port = 0, timeout = 15000, binary, onLog,
  } = options;
  const bin = binary ?? binaryPath();
  const argv = ['serve', '--addr', `${host}:${port}`, '--log-format', 'json'];
  if (spec) argv.push('--spec', spec);
  if (scenarios) argv.push('--scenarios', scenarios);
  if (auth) argv.push('--auth', auth);
  if (apiKey || sharedKey) argv.push('--api-key', apiKey ?? '', '--shared-key', sharedKey ?? '');
  if (clientId || clientSecret) argv.push('--client-id', clientId ?? '', '--client-secret', clientSecret ?? '');
  argv.push(...args);

  const child = spawn(bin, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'], windowsHide: true });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const killOnExit = () => child.kill();
  process.once('exit', killOnExit);
  const tail = []; // the last lines lsmock logged, for errors

  const url = await new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err, value) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (!err) return resolve(value);
      child.kill();
      process.removeListener('exit', killOnExit);
      const log = tail.length ? `\n${tail.join('\n')}` : '';
      reject(new Error(err + log));
    };
    const timer = setTimeout(() => settle(`lsmock did not start within ${timeout} ms (${bin})`), timeout);
    child.once('error', (e) => settle(`lsmock: cannot run ${bin}: ${e.message}`));
    exited.then(({ code, signal }) => settle(`lsmock exited (${signal ?? `status ${code}`}) before it served: ${bin} ${argv.join(' ')}`));
    readline.createInterface({ input: child.stderr }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      if (onLog) onLog(line);
      if (settled || !line.startsWith('{')) return;
      try {
        const rec = JSON.parse(line);
        if (rec.msg === 'lsmock serving' && rec.url) settle(null, rec.url);
      } catch { /* not a log record */ }
    });
  });
  // Neither the child nor its log keeps the test runner alive; the exit hook stops lsmock.
  child.unref();
  child.stderr.unref();

  // admin calls the admin API; a refusal rejects with an LsmockError whose message names the
  // call, or with ownMessage is lsmock's message alone (an invalid declaration's names the field).
  async function admin(method, path, body, ownMessage = false) {
    const res = await fetch(`${url}/__lsmock/${path}`, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw refusal(`lsmock: ${method} /__lsmock/${path}: ${res.status} ${text}`, res.status, text, ownMessage);
    return text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text;
  }
  const declare = (session, method, decl) => admin('POST', `${sessionPath(session, method)}/licenses`, decl, true);
  const query = (filter) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(filter ?? {})) if (v !== undefined && v !== null) q.set(k, String(v));
    const s = q.toString();
    return s ? `?${s}` : '';
  };

  const health = await admin('GET', 'health');
  if (health?.status !== 'ok') throw new Error(`lsmock: /__lsmock/health answered ${JSON.stringify(health)}`);
  const publicKey = await admin('GET', 'signing-key');

  return {
    url,
    apiPath: `${url}/api/v4`,
    tokenUrl: `${url}/auth/token`,
    publicKey,
    pin: (name, session) => admin('PUT', session ? `sessions/${encodeURIComponent(session)}/scenario` : 'scenario', { name }),
    unpin: (session) => admin('DELETE', session ? `sessions/${encodeURIComponent(session)}/scenario` : 'scenario'),
    reset: (session) => admin('POST', `reset${query({ session })}`),
    requests: async (filter) => (await admin('GET', `requests${query(filter)}`)).requests,
    assertRequests: (expectation) => admin('POST', 'requests/assert', expectation),
    clock: (session) => clockOf(admin, session),
    createLicense(session, license) {
      if (!isObject(license)) throw new TypeError('lsmock: createLicense(session, license): license is an object, as under licenses: in a scenario file');
      return declare(session, 'createLicense', { license });
    },
    create(session, decl) {
      if (!isObject(decl)) throw new TypeError('lsmock: create(session, decl): decl is {license|product|user|bundle: {...}}');
      return declare(session, 'create', decl);
    },
    deleteLicense(session, ref) {
      const base = `${sessionPath(session, 'deleteLicense')}/licenses`;
      if (ref !== undefined && (typeof ref !== 'string' || ref === '')) {
        throw new TypeError('lsmock: deleteLicense(session, ref): ref is a non-empty string (Created.ref), or omitted for all');
      }
      return admin('DELETE', ref === undefined ? base : `${base}/${encodeURIComponent(ref)}`, undefined, true).then(() => undefined);
    },
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        child.ref(); // keep the event loop alive until lsmock has exited
        child.kill('SIGTERM');
      }
      return exited;
    },
  };
}

// LsmockError is an admin call lsmock refused: its status and, from its JSON body, code and
// errors (an invalid declaration's fields).
class LsmockError extends Error {
  constructor(message, status, body) {
    super(message);
    this.name = 'LsmockError';
    this.status = status;
    if (typeof body?.code === 'string') this.code = body.code;
    if (Array.isArray(body?.errors)) this.errors = body.errors;
  }
}

function refusal(message, status, text, ownMessage) {
  let body;
  try { body = JSON.parse(text); } catch { /* not JSON: the text is the message */ }
  if (!isObject(body)) body = undefined;
  const own = ownMessage && typeof body?.message === 'string' ? body.message : message;
  return new LsmockError(own, status, body);
}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

// sessionPath is sessions/{session}, for the calls that act on one session only.
function sessionPath(session, method) {
  if (typeof session !== 'string' || session === '') {
    throw new TypeError(`lsmock: ${method}(session, ...): session is a non-empty string (an API key or X-Lsmock-Session value)`);
  }
  return `sessions/${encodeURIComponent(session)}`;
}

// clockOf is a session's test clock (or, without a session, the global one): PUT, GET and
// DELETE of /__lsmock/sessions/{session}/clock or /__lsmock/clock.
function clockOf(admin, session) {
  if (session !== undefined && (typeof session !== 'string' || session === '')) {
    throw new TypeError('lsmock: clock(session): session must be a non-empty string, or omitted for the global clock');
  }
  const path = session === undefined ? 'clock' : `sessions/${encodeURIComponent(session)}/clock`;
  return {
    get: () => admin('GET', path),
    async now() { return new Date((await admin('GET', path)).now); },
    set(when) {
      const now = when instanceof Date ? when.toISOString() : when;
      if (typeof now !== 'string') throw new TypeError('lsmock: clock.set(when): a Date or an ISO 8601 string');
      return admin('PUT', path, { now });
    },
    advance(by) {
      const advance = typeof by === 'number' ? `${by}ms` : by;
      if (typeof advance !== 'string') throw new TypeError('lsmock: clock.advance(by): a duration such as "31d" or "1d12h", or milliseconds');
      return admin('PUT', path, { advance });
    },
    reset: () => admin('DELETE', path),
  };
}

module.exports = { start, binaryPath, LsmockError };
