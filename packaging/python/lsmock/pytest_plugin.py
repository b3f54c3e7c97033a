"""The pytest plugin, loaded by the wheel's pytest11 entry point.

lsmock_server (session scope): one lsmock per test process (per xdist worker), started with the
--lsmock-* options, or the one --lsmock-url names, shared by every worker.
lsmock (function scope): a Session with the test's own API key, so its state, pins and journal
are its own; its journal entries are added to the report of a test that fails.
"""
import pytest

from ._binary import LsmockError
from ._server import Session, connect, format_entry, start


def pytest_addoption(parser):
    g = parser.getgroup("lsmock", "lsmock, the LicenseSpring License API mock")
    g.addoption("--lsmock-scenarios", metavar="DIR", help="scenario folder for lsmock serve --scenarios (default: the embedded ones)")
    g.addoption("--lsmock-spec", metavar="FILE", help="OpenAPI file for lsmock serve --spec")
    g.addoption("--lsmock-auth", choices=("off", "format", "strict"), help="lsmock serve --auth (default: format)")
    g.addoption("--lsmock-keys", metavar="FILE", help="known keys for lsmock serve --keys")
    g.addoption("--lsmock-tls", action="store_true", help="serve HTTPS (lsmock serve --tls); the fixtures' ca_file names the CA")
    g.addoption("--lsmock-ca-file", metavar="FILE", help="with --lsmock-tls: where lsmock writes its CA; with an https --lsmock-url: the CA to trust")
    g.addoption("--lsmock-arg", action="append", default=[], metavar="FLAG", help="one more flag for lsmock serve, e.g. --lsmock-arg=--signing-key=key.pem (repeatable)")
    g.addoption("--lsmock-binary", metavar="PATH", help="the lsmock binary to run (default: LSMOCK_BINARY, else the wheel's)")
    g.addoption("--lsmock-url", metavar="URL", help="use the lsmock serving at URL (shared by all xdist workers) instead of starting one")
    g.addoption("--lsmock-admin-token", metavar="TOKEN", help="with --lsmock-url: lsmock's --admin-token")


@pytest.fixture(scope="session")
def lsmock_server(pytestconfig):
    """The lsmock server of this test process (lsmock.Server)."""
    opt = pytestconfig.getoption
    url = opt("lsmock_url")
    failure = None
    try:
        if url:
            server = connect(url, ca_file=opt("lsmock_ca_file"), admin_token=opt("lsmock_admin_token"))
        else:
            server = start(
                scenarios=opt("lsmock_scenarios"),
                spec=opt("lsmock_spec"),
                auth=opt("lsmock_auth"),
                keys=opt("lsmock_keys"),
                tls=opt("lsmock_tls"),
                ca_file=opt("lsmock_ca_file"),
                args=opt("lsmock_arg"),
                binary=opt("lsmock_binary"),
            )
    except LsmockError as e:
        failure = str(e)
    if failure is not None:
        pytest.fail(failure, pytrace=False)  # the reason alone, not a traceback through the plugin
    with server:  # stops one it started; leaves one --lsmock-url names running
        yield server


@pytest.fixture
def lsmock(lsmock_server):
    """This test's session of lsmock (lsmock.Session): its own API key (api_key, shared_key),
    the server's addresses and public key, and pin/unpin/reset/requests/assert_requests."""
    session = lsmock_server.session()
    yield session
    session.reset()  # frees its state on the server; the journal keeps its requests


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    session = getattr(item, "funcargs", {}).get("lsmock")
    if not report.failed or not isinstance(session, Session):
        return
    try:
        entries = session.requests()
    except LsmockError as e:
        text = f"(the journal could not be read: {e})"
    else:
        text = "\n".join(format_entry(e) for e in reversed(entries)) or "(no requests)"
    title = f"lsmock journal of session {session.api_key} (oldest first)"
    if hasattr(report.longrepr, "addsection"):
        report.longrepr.addsection(title, text)
    else:
        report.sections.append((title, text))
