"""The wheel as a Python team uses it: the pytest fixtures and lsmock.start(), with requests
signed as the Python SDK signs them (HMAC-SHA256 of "licenseSpring\\ndate: <Date>" with the
shared key) and every signed answer verified as the Python SDK verifies it (RSA-SHA256,
PKCS#1 v1.5, over the raw body bytes, with the key lsmock serves). packaging/python/test.sh runs
it in a fresh virtual environment, once with a server per worker and once with one server that
pytest-xdist workers share (--lsmock-url).
"""
import base64
import email.utils
import hashlib
import hmac
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
import requests
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

import lsmock as lsmock_pkg

LICENSE = {"product": "demo", "license_key": "DEMO-PERP-0000-0001"}


class Answer:
    def __init__(self, res):
        self.status = res.status_code
        self.headers = res.headers
        self.content = res.content
        self.json = res.json() if res.content else None


class SDK:
    """What the Python SDK's APIClient does on the wire, for one API key and device."""

    def __init__(self, srv, hardware_id, api_key=None, shared_key=None, verify=None):
        self.srv = srv
        self.api_key = api_key or srv.api_key
        self.shared_key = shared_key or srv.shared_key
        self.hardware_id = hardware_id
        self.public_key = serialization.load_pem_public_key(srv.public_key.encode())
        self.verify = verify if verify is not None else srv.ca_file or True

    def headers(self):
        date = email.utils.formatdate(usegmt=True)  # Tue, 07 Jun 2011 20:51:35 GMT
        mac = hmac.new(self.shared_key.encode(), f"licenseSpring\ndate: {date}".encode(), hashlib.sha256)
        signature = base64.b64encode(mac.digest()).decode()
        return {
            "Date": date,
            "Authorization": f'algorithm="hmac-sha256",headers="date",signature="{signature}",apiKey="{self.api_key}"',
        }

    def call(self, method, endpoint, **params):
        body = {"hardware_id": self.hardware_id, **LICENSE, **params}
        kw = {"json": body} if method == "POST" else {"params": body}
        res = requests.request(method, f"{self.srv.api_base}/{endpoint}", headers=self.headers(), timeout=10, verify=self.verify, **kw)
        return Answer(res)

    def verified(self, answer):
        """The answer's body, once its LicenseSignature holds over the raw bytes."""
        signature = base64.b64decode(answer.headers["LicenseSignature"])
        self.public_key.verify(signature, answer.content, padding.PKCS1v15(), hashes.SHA256())
        return answer.json

    def verify_license_signature(self, license):
        """license_signature: lower(hardware_id#license_key#validity_period), as the SDK checks it."""
        signed = f"{self.hardware_id}#{license['license_key']}#{license['validity_period'] or ''}".lower()
        self.public_key.verify(base64.b64decode(license["license_signature"]), signed.encode(), padding.PKCS1v15(), hashes.SHA256())


def test_fixture_gives_addresses_key_and_own_session(lsmock, lsmock_server):
    assert lsmock.url == lsmock_server.url
    assert lsmock.api_protocol in ("http", "https")
    assert lsmock.url == f"{lsmock.api_protocol}://{lsmock.api_domain}"
    assert lsmock.api_base == f"{lsmock.url}/api/v4"
    assert lsmock.public_key.startswith("-----BEGIN PUBLIC KEY-----")
    assert lsmock.api_key != lsmock_server.session().api_key


def test_activate_check_deactivate_with_verified_signatures(lsmock):
    sdk = SDK(lsmock, "py-hw-1")

    activation = sdk.call("POST", "activate_license")
    assert activation.status == 200, activation.json
    license = sdk.verified(activation)
    assert license["license_key"] == LICENSE["license_key"]
    sdk.verify_license_signature(license)

    check = sdk.call("GET", "check_license")
    assert check.status == 200, check.json
    checked = sdk.verified(check)
    assert checked["times_activated"] == 1
    sdk.verify_license_signature(checked)

    deactivation = sdk.call("POST", "deactivate_license")
    assert (deactivation.status, deactivation.json) == (200, "license_deactivated")
    assert "LicenseSignature" not in deactivation.headers  # the vendor does not sign it either

    after = sdk.call("GET", "check_license")
    assert (after.status, after.json["code"]) == (400, "license_not_active")
    lsmock.assert_requests(operation="activateLicense", count=1)
    lsmock.assert_requests(at_least=4)


def test_a_tampered_answer_fails_verification(lsmock):
    sdk = SDK(lsmock, "py-hw-2")
    lsmock.pin("activateLicense/tampered_signature")
    answer = sdk.call("POST", "activate_license")
    assert answer.status == 200
    with pytest.raises(InvalidSignature):
        sdk.verified(answer)


# One error pinned per test, for its session only: under pytest-xdist with a shared lsmock
# (--lsmock-url), these run beside each other and beside the flow above; a pin that leaked to
# another session would fail that session's test.
@pytest.mark.parametrize(
    "scenario, method, endpoint, status, code",
    [
        ("activateLicense/license_activated_max_times", "POST", "activate_license", 400, "license_activated_max_times"),
        ("activateLicense/license_not_enabled", "POST", "activate_license", 400, "license_not_enabled"),
        ("checkLicense/license_expired", "GET", "check_license", 400, "license_expired"),
        ("checkLicense/device_not_found", "GET", "check_license", 400, "device_not_found"),
        ("deactivateLicense/license_not_found", "POST", "deactivate_license", 400, "license_not_found"),
        ("internal_error", "POST", "activate_license", 500, "internal_error"),
    ],
)
def test_pinned_error_is_this_tests_alone(lsmock, lsmock_server, scenario, method, endpoint, status, code):
    lsmock.pin(scenario)
    sdk = SDK(lsmock, "py-hw-3")
    for _ in range(3):
        answer = sdk.call(method, endpoint)
        assert (answer.status, answer.json["code"]) == (status, code)
    lsmock.assert_requests(scenario=scenario, count=3)

    other = SDK(lsmock_server.session(), "py-hw-3")
    activation = other.call("POST", "activate_license")
    assert activation.status == 200, activation.json
    other.verified(activation)
    lsmock_server.assert_requests(session=other.api_key, scenario=scenario, count=0)


def test_unpin_and_reset_act_on_this_session(lsmock):
    sdk = SDK(lsmock, "py-hw-4")
    lsmock.pin("internal_error")
    assert sdk.call("POST", "activate_license").status == 500
    lsmock.unpin()
    assert sdk.call("POST", "activate_license").status == 200
    lsmock.reset()
    assert sdk.call("GET", "check_license").json["code"] == "license_not_active"  # its activation is gone
    seen = lsmock.requests(operation="activateLicense")
    assert [e["status"] for e in seen] == [200, 500]  # newest first
    assert seen[0]["headers"]["Authorization"].count("[redacted]") >= 1


def test_failing_test_report_shows_its_journal(pytester, lsmock_server):
    pytester.makepyfile(
        test_inner=f"""
        import requests

        def test_fails(lsmock):
            lsmock.pin("checkLicense/license_expired")
            auth = 'algorithm="hmac-sha256",headers="date",signature="c2ln",apiKey="' + lsmock.api_key + '"'
            requests.get(lsmock.api_base + "/check_license", params={{"product": "demo", "hardware_id": "h", "license_key": "k"}},
                         headers={{"Date": "{email.utils.formatdate(usegmt=True)}", "Authorization": auth}},
                         verify={lsmock_server.ca_file or True!r}, timeout=10)
            assert False, "on purpose"

        def test_passes(lsmock):
            pass
        """
    )
    ca = [f"--lsmock-ca-file={lsmock_server.ca_file}"] if lsmock_server.ca_file else []
    result = pytester.runpytest_subprocess(f"--lsmock-url={lsmock_server.url}", *ca, "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*lsmock journal of session lsmock-*", "*GET /api/v4/check_license -> 400 license_expired (operation checkLicense, scenario license_expired, selection session_pin)*"])
    assert result.stdout.str().count("lsmock journal of session") == 1


def test_strict_auth_accepts_the_sdk_signature_and_refuses_a_wrong_one():
    with lsmock_pkg.start(auth="strict", api_key="py-key", shared_key="py-shared") as srv:
        session = srv.session(api_key="py-key", shared_key="py-shared")
        assert SDK(session, "py-hw-5").call("POST", "activate_license").status == 200
        wrong = SDK(session, "py-hw-5", shared_key="not-the-shared-key").call("POST", "activate_license")
        assert (wrong.status, wrong.json["code"]) == (400, "signature_mismatch")


def test_https_with_the_ca_file(tmp_path):
    ca = tmp_path / "lsmock-ca.pem"
    with lsmock_pkg.start(tls=True, ca_file=ca) as srv:
        assert (srv.api_protocol, srv.ca_file) == ("https", str(ca))
        sdk = SDK(srv.session(), "py-hw-6", verify=str(ca))
        assert sdk.verified(sdk.call("POST", "activate_license"))["license_key"] == LICENSE["license_key"]


def test_start_fails_clearly():
    with pytest.raises(lsmock_pkg.LsmockError, match=r"cannot run .*no-such-lsmock"):
        lsmock_pkg.start(binary=os.path.join(os.sep, "no-such-dir", "no-such-lsmock"))
    with pytest.raises(lsmock_pkg.LsmockError, match=r"(?s)exited \(status 2\) before it served.*no-such-flag") as failed:
        lsmock_pkg.start(api_key="py-key", shared_key="py-shared-secret", args=["--client-secret=py-client-secret", "--no-such-flag"])
    shown = str(failed.value)
    assert "--shared-key [redacted]" in shown and "--client-secret=[redacted]" in shown
    for secret in ("py-key", "py-shared-secret", "py-client-secret"):
        assert secret not in shown


def health(url):
    try:
        return requests.get(f"{url}/__lsmock/health", timeout=2).status_code
    except requests.ConnectionError:
        return None


def wait_until_down(url, seconds=15):
    deadline = time.monotonic() + seconds
    while health(url) is not None:
        assert time.monotonic() < deadline, f"lsmock still answers at {url}"
        time.sleep(0.05)


def test_stop_and_the_with_block_end_lsmock():
    with lsmock_pkg.start() as srv:
        assert health(srv.url) == 200
    wait_until_down(srv.url)
    assert srv.stop() == 0  # stopped gracefully; a second stop is harmless


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX only")
def test_lsmock_stops_when_the_python_process_is_killed():
    code = "import lsmock, os, signal; s = lsmock.start(); print(s.url, flush=True); os.kill(os.getpid(), signal.SIGKILL)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    url = proc.stdout.strip()
    assert url.startswith("http://127.0.0.1:")
    wait_until_down(url)


def test_console_script_runs_the_packaged_binary():
    script = shutil.which("lsmock", path=os.path.dirname(sys.executable))  # the venv's bin (or Scripts)
    assert script, f"no lsmock console script beside {sys.executable}"
    out = subprocess.run([script, "version"], capture_output=True, text=True, timeout=30, check=True).stdout.strip()
    assert out == f"lsmock {lsmock_pkg.__version__}"
