"""start() runs lsmock for a test suite; connect() talks to one already serving. Both give a Server:
its addresses in the forms the Python SDK takes, its public key, and the admin API."""
import atexit
import collections
import json
import os
import ssl
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid

from ._binary import LsmockError, binary_path
from ._clock import Clock

_WATCHDOG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_watchdog.py")


def start(
    *,
    scenarios=None,
    spec=None,
    auth=None,
    api_key=None,
    shared_key=None,
    keys=None,
    client_id=None,
    client_secret=None,
    signing_key=None,
    tls=False,
    ca_file=None,
    cert=None,
    cert_key=None,
    env=None,
    args=(),
    host="127.0.0.1",
    port=0,
    timeout=15.0,
    binary=None,
):
    """Starts `lsmock serve` on a free port (by default) and returns its Server once it answers.

    The options are lsmock serve's flags: scenarios (--scenarios folder), spec (--spec),
    auth ("off", "format", "strict"), api_key/shared_key, keys (--keys file),
    client_id/client_secret, signing_key (--signing-key file), tls (--tls: a CA made at start,
    written to ca_file or a temporary file; Server.ca_file names it), cert/cert_key (--cert,
    --key: your own certificate; ca_file then names the CA that signed it, for the admin calls),
    env (LSMOCK_* settings added to os.environ), args (more flags). lsmock stops with stop(), at
    the end of a `with` block, when the interpreter exits, or when this process dies.
    """
    binary = binary or binary_path()
    argv = ["serve", "--addr", f"{host}:{port}", "--log-format", "json", "--log-level", "info"]
    for flag, value in (
        ("--spec", spec),
        ("--scenarios", scenarios),
        ("--auth", auth),
        ("--keys", keys),
        ("--signing-key", signing_key),
        ("--cert", cert),
        ("--key", cert_key),
    ):
        if value is not None:
            argv += [flag, os.fspath(value)]
    if api_key is not None or shared_key is not None:
        argv += ["--api-key", api_key or "", "--shared-key", shared_key or ""]
    if client_id is not None or client_secret is not None:
        argv += ["--client-id", client_id or "", "--client-secret", client_secret or ""]
    if tls:
        argv.append("--tls")
        if ca_file is not None:
            argv += ["--ca-file", os.fspath(ca_file)]
    argv += [os.fspath(a) for a in args]

    proc = subprocess.Popen(
        [sys.executable, _WATCHDOG, binary, *argv],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    log = _Log(proc.stderr)
    if not log.ready.wait(timeout):
        _end(proc)
        raise LsmockError(f"lsmock did not start within {timeout} s ({binary}){log.tail_text()}")
    if log.url is None:
        code = _end(proc)
        raise LsmockError(
            f"lsmock exited (status {code}) before it served: {binary} {' '.join(_redacted(argv))}{log.tail_text()}"
        )
    try:
        return Server(log.url, ca_file=log.ca_file or ca_file, _process=proc, _log=log)
    except LsmockError:
        _end(proc)
        raise


def connect(url, *, ca_file=None, admin_token=None):
    """A Server for an lsmock already serving at url (say `lsmock serve` started by a CI job),
    shared by every test process. ca_file: the CA to trust over HTTPS; admin_token: lsmock's
    --admin-token when it is not on this machine. stop() leaves it running."""
    return Server(url.rstrip("/"), ca_file=ca_file, admin_token=admin_token)


class Server:
    """One lsmock: addresses, public key, admin API. Use start() or connect() to get one."""

    def __init__(self, url, *, ca_file=None, admin_token=None, _process=None, _log=None):
        parsed = urllib.parse.urlsplit(url)
        self.url = url
        #: the API path, for the Python SDK 1.x's `client.api_base`
        self.api_base = f"{url}/api/v4"
        #: host:port and scheme, for the SDK 3.x's Configuration/APIClient api_domain, api_protocol
        self.api_domain = parsed.netloc
        self.api_protocol = parsed.scheme
        #: the OAuth token endpoint
        self.token_url = f"{url}/auth/token"
        #: the CA certificate file to trust over HTTPS (REQUESTS_CA_BUNDLE), else None
        self.ca_file = ca_file
        self._admin_token = admin_token
        self._process = _process
        self._log = _log
        handlers = [urllib.request.ProxyHandler({})]  # never send loopback calls to a proxy
        if parsed.scheme == "https":
            handlers.append(urllib.request.HTTPSHandler(context=ssl.create_default_context(cafile=ca_file)))
        self._opener = urllib.request.build_opener(*handlers)
        if _process is not None:
            atexit.register(self.stop)
        health = self._admin("GET", "health")
        if not isinstance(health, dict) or health.get("status") != "ok":
            raise LsmockError(f"lsmock: /__lsmock/health answered {health!r}")
        #: the public key (PEM) lsmock signs answers with: the SDK's signature verifier's key
        self.public_key = self._admin("GET", "signing-key")

    def __repr__(self):
        return f"<lsmock.Server {self.url}>"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def session(self, api_key=None, shared_key="lsmock-shared-key"):
        """A view of this server for one session: a new unique API key unless one is given.
        A real SDK's session is its API key, so its state, pins and journal are its own."""
        return Session(self, api_key or f"lsmock-{uuid.uuid4().hex}", shared_key)

    def pin(self, name, session=None):
        """Pins a scenario ("internal_error", "checkLicense/license_expired") for one session
        (an API key or X-Lsmock-Session name) or, without one, for every session."""
        return self._admin("PUT", _session_path(session) + "scenario", {"name": name})

    def unpin(self, session=None):
        """Clears the pins of one session, or the global ones."""
        return self._admin("DELETE", _session_path(session) + "scenario")

    def reset(self, session=None):
        """Clears all state (licenses, trials, passwords, pins, sequences), or one session's."""
        return self._admin("POST", "reset" + _query(session=session))

    def requests(self, session=None, operation=None, scenario=None, code=None, status=None, limit=None):
        """The journal, newest first, secrets redacted: a list of dicts (docs/admin-api.md)."""
        q = _query(session=session, operation=operation, scenario=scenario, code=code, status=status, limit=limit)
        return self._admin("GET", "requests" + q)["requests"]

    def assert_requests(self, *, count=None, at_least=None, session=None, operation=None, scenario=None, code=None, status=None):
        """Passes when exactly count (or at_least) requests matched, counted over every request
        since the journal was last cleared; raises AssertionError with what lsmock saw otherwise."""
        expectation = {k: v for k, v in dict(
            count=count, at_least=at_least, session=session, operation=operation, scenario=scenario, code=code, status=status,
        ).items() if v is not None}
        try:
            return self._call("POST", "requests/assert", expectation)
        except _Refused as e:
            if e.status != 409 or not isinstance(e.body, dict):
                raise LsmockError(str(e)) from None
            seen = "\n".join("  " + format_entry(entry) for entry in reversed(e.body.get("seen") or []))
            raise AssertionError(f"{e.body.get('message')}\nseen (oldest first):\n{seen or '  nothing'}") from None

    def clock(self, session=None):
        """A session's test clock (an API key or X-Lsmock-Session name) or, without one, the
        global clock: that of every session without its own. See lsmock.Clock."""
        if session is not None and (not isinstance(session, str) or not session):
            raise TypeError("lsmock: clock(session): a non-empty string, or None for the global clock")
        return Clock(self._admin, ("" if session is None else _session_path(session)) + "clock", session)

    def create_license(self, license, session=None):
        """Declares a license for one session only, as an item of a scenario file's licenses:
        ({"product": "demo", "license_type": "time-limited", "valid_duration": "30d"}); another
        session never sees it, reset(session) removes it. Returns what lsmock created: a dict
        {"kind", "ref", "product", "license_key" or "username"}, a key generated when it names
        none. Raises AdminError: 400 invalid_declaration (errors names the fields), 409
        declarations_full (100 per session), 413 body_too_large."""
        if not isinstance(license, dict):
            raise TypeError("lsmock: create_license(license): a dict, as an item under licenses: in a scenario file")
        return self._declare("create_license", {"license": license}, session)

    def create(self, decl, session=None):
        """Declares one license, product, user, bundle or customer_account for one session, as
        create_license does: {"product": {"short_code": "trial-app", "allow_trial": True,
        "trial_days": 3}}. A user without a password gets one ("password" in the answer)."""
        if not isinstance(decl, dict):
            raise TypeError('lsmock: create(decl): a dict such as {"product": {...}}: one of license, product, user, bundle, customer_account')
        return self._declare("create", decl, session)

    def delete_license(self, ref=None, session=None):
        """Deletes one run-time declaration of a session (the "ref" create_license returned)
        with its state (devices, consumption), or without a ref all of them. Raises AdminError:
        404 not_found, 409 in_use when another declaration names it (delete that first)."""
        path = _required_session("delete_license", session) + "licenses"
        if ref is not None:
            if not isinstance(ref, str) or not ref:
                raise TypeError("lsmock: delete_license(ref): a non-empty string (the ref create_license returned), or None for all")
            path += "/" + urllib.parse.quote(ref, safe="")
        self._admin("DELETE", path, own_message=True)

    def _declare(self, method, decl, session):
        return self._admin("POST", _required_session(method, session) + "licenses", decl, own_message=True)

    def log_tail(self):
        """The last lines lsmock logged (JSON), for a server start() runs."""
        return list(self._log.tail) if self._log else []

    def stop(self, timeout=10.0):
        """Stops an lsmock start() runs (SIGTERM: held requests end at once, reports are
        written) and returns its exit status; does nothing for one connect() reached."""
        if self._process is None:
            return None
        atexit.unregister(self.stop)
        return _end(self._process, timeout)

    def _admin(self, method, path, body=None, own_message=False):
        """The admin call's answer; a refusal raises AdminError, whose message names the call or,
        with own_message, is lsmock's message alone (an invalid declaration's names the field)."""
        try:
            return self._call(method, path, body)
        except _Refused as e:
            body = e.body if isinstance(e.body, dict) else {}
            message = body.get("message") if own_message and isinstance(body.get("message"), str) else str(e)
            raise AdminError(message, e.status, body) from None

    def _call(self, method, path, body):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.url}/__lsmock/{path}", data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self._admin_token:
            req.add_header("Authorization", f"Bearer {self._admin_token}")
        try:
            with self._opener.open(req, timeout=30) as res:
                return _decode(res.headers.get("Content-Type", ""), res.read())
        except urllib.error.HTTPError as e:
            raise _Refused(method, path, e.code, _decode(e.headers.get("Content-Type", ""), e.read())) from None
        except (urllib.error.URLError, OSError) as e:
            raise LsmockError(f"lsmock: {method} {self.url}/__lsmock/{path}: {getattr(e, 'reason', e)}") from None


class Session:
    """One session of a Server, named by its own API key: what the pytest fixture `lsmock` gives
    each test. Has the server's addresses and public key; pin, unpin, reset, requests and
    assert_requests act on this session only."""

    def __init__(self, server, api_key, shared_key):
        self.server = server
        self.api_key = api_key
        self.shared_key = shared_key
        for name in ("url", "api_base", "api_domain", "api_protocol", "token_url", "ca_file", "public_key"):
            setattr(self, name, getattr(server, name))

    def __repr__(self):
        return f"<lsmock.Session {self.api_key} of {self.server.url}>"

    def pin(self, name):
        return self.server.pin(name, self.api_key)

    def unpin(self):
        return self.server.unpin(self.api_key)

    def reset(self):
        return self.server.reset(self.api_key)

    def requests(self, **filters):
        return self.server.requests(session=self.api_key, **filters)

    def assert_requests(self, **expectation):
        return self.server.assert_requests(session=self.api_key, **expectation)

    def clock(self, session=None):
        """This session's test clock (or another session's): set, advance, reset, now, get."""
        return self.server.clock(session or self.api_key)

    def create_license(self, license, session=None):
        """Declares a license for this session (or another): see Server.create_license."""
        return self.server.create_license(license, session or self.api_key)

    def create(self, decl, session=None):
        """Declares a license, product, user, bundle or customer_account for this session: see Server.create."""
        return self.server.create(decl, session or self.api_key)

    def delete_license(self, ref=None, session=None):
        """Deletes one run-time declaration of this session, or all: see Server.delete_license."""
        return self.server.delete_license(ref, session or self.api_key)


def format_entry(e):
    """One journal entry as a line (and its detail and near misses on the next lines)."""
    what = " ".join(str(x) for x in (e.get("status"), e.get("code")) if x)
    how = ", ".join(f"{k} {e[k]}" for k in ("operation", "scenario", "selection") if e.get(k))
    lines = [f"{e.get('time', '')} {e.get('method', '')} {e.get('path', '')} -> {what}" + (f" ({how})" if how else "")]
    if e.get("detail"):
        lines.append(f"    detail: {e['detail']}")
    for miss in e.get("near_misses") or []:
        lines.append(f"    near miss: {miss.get('scenario')}: {miss.get('failed')}")
    return "\n".join(lines)


class AdminError(LsmockError):
    """An admin call lsmock refused: status (the HTTP status), code and errors (an invalid
    declaration's fields: [{"field", "line", "column", "message"}]) from its answer."""

    def __init__(self, message, status, body=None):
        super().__init__(message)
        body = body or {}
        self.status = status
        self.code = body.get("code")
        self.errors = body.get("errors") or []
        #: the answer's JSON body ({} when it had none)
        self.body = body


class _Refused(Exception):
    def __init__(self, method, path, status, body):
        text = body if isinstance(body, str) else json.dumps(body)
        super().__init__(f"lsmock: {method} /__lsmock/{path}: {status} {text}")
        self.status = status
        self.body = body


class _Log:
    """Drains lsmock's log (it would block on a full pipe), keeps its last lines, and notes the
    address it serves on and the CA file it wrote."""

    def __init__(self, stream):
        self.head = []  # a failure to start is often said first, before a long usage text
        self.tail = collections.deque(maxlen=200)
        self.ready = threading.Event()
        self.url = None
        self.ca_file = None
        self._thread = threading.Thread(target=self._read, args=(stream,), name="lsmock-log", daemon=True)
        self._thread.start()

    def tail_text(self):
        lines = list(self.tail)
        if len(lines) > 40:
            lines = self.head + ["..."] + lines[-30:]
        return "\n" + "\n".join(lines) if lines else ""

    def _read(self, stream):
        with stream:
            for raw in stream:
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                self.tail.append(line)
                if len(self.head) < 5:
                    self.head.append(line)
                if self.ready.is_set() or not line.startswith("{"):
                    continue
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if rec.get("ca_file"):
                    self.ca_file = rec["ca_file"]
                if rec.get("msg") == "lsmock serving" and rec.get("url"):
                    self.url = rec["url"]
                    self.ready.set()
        self.ready.set()


def _end(proc, timeout=10.0):
    """Closes the watchdog's stdin (it then stops lsmock with SIGTERM) and waits; kills after timeout."""
    if proc.stdin and not proc.stdin.closed:
        try:
            proc.stdin.close()
        except OSError:
            pass
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


_SECRET_FLAGS = {"api-key", "shared-key", "client-secret", "admin-token"}


def _redacted(argv):
    """argv with the values of the flags that take secrets hidden, for an error message."""
    shown, value_next = [], False
    for arg in argv:
        name, eq, _ = arg.lstrip("-").partition("=")
        secret_flag = arg.startswith("-") and name in _SECRET_FLAGS
        if value_next:
            shown.append("[redacted]")
        elif secret_flag and eq:
            shown.append(arg.partition("=")[0] + "=[redacted]")
        else:
            shown.append(arg)
        value_next = secret_flag and not eq and not value_next
    return shown


def _required_session(method, session):
    if not isinstance(session, str) or not session:
        raise TypeError(f"lsmock: {method}: session= names the session (an API key or X-Lsmock-Session name); the fixture lsmock's methods default to its own")
    return _session_path(session)


def _session_path(session):
    return "" if session is None else f"sessions/{urllib.parse.quote(str(session), safe='')}/"


def _query(**params):
    q = urllib.parse.urlencode({k: str(v) for k, v in params.items() if v is not None})
    return f"?{q}" if q else ""


def _decode(content_type, data):
    text = data.decode("utf-8", "replace")
    if text and "json" in content_type:
        return json.loads(text)
    return text
