"""Licenses made at run time and test clocks, through the wheel's helper: each test makes the
license (or product) it needs in its own session (the fixture's API key) with create_license or
create, moves that session's clock, and sends the SDK's requests on the wire (signed, answers
verified, as test_lsmock.SDK does). Under pytest-xdist with one shared lsmock, these run beside
each other and beside test_lsmock.py: a session's licenses and clock are its own.
"""
import datetime

import pytest
import requests

import lsmock as lsmock_pkg
from test_lsmock import SDK, Answer

UTC = datetime.timezone.utc
TIME_LIMITED = {"product": "demo", "license_type": "time-limited", "valid_duration": "30d"}


class Device(SDK):
    """test_lsmock.SDK sending the parameters given alone (no default license)."""

    def call(self, method, endpoint, **params):
        body = {"hardware_id": self.hardware_id, **params}
        kw = {"json": body} if method == "POST" else {"params": body}
        res = requests.request(method, f"{self.srv.api_base}/{endpoint}", headers=self.headers(), timeout=10, verify=self.verify, **kw)
        return Answer(res)

    def ok(self, method, endpoint, **params):
        """The verified body of a 200."""
        answer = self.call(method, endpoint, **params)
        assert answer.status == 200, answer.json
        return self.verified(answer)

    def refused(self, method, endpoint, **params):
        """The code of a 400."""
        answer = self.call(method, endpoint, **params)
        assert answer.status == 400, answer.json
        return answer.json["code"]


def test_a_30_day_license_made_at_run_time_expires_after_31_days(lsmock, lsmock_server):
    made = lsmock.create_license(TIME_LIMITED)
    assert (made["kind"], made["product"], made["ref"]) == ("license", "demo", made["license_key"])
    key = made["license_key"]
    device = Device(lsmock, "py-rt-hw-1")
    assert device.ok("POST", "activate_license", product="demo", license_key=key)["license_type"] == "time-limited"
    assert device.ok("GET", "check_license", product="demo", license_key=key)["license_key"] == key

    moved = lsmock.clock().advance("31d")
    assert (moved["source"], moved["set"]) == ("session", True)
    assert device.refused("GET", "check_license", product="demo", license_key=key) == "license_expired"

    other = lsmock_server.session()
    try:
        stranger = Device(other, "py-rt-hw-1")
        assert stranger.refused("POST", "activate_license", product="demo", license_key=key) == "license_not_found"
        own = other.create_license(TIME_LIMITED)["license_key"]
        stranger.ok("POST", "activate_license", product="demo", license_key=own)
        assert stranger.ok("GET", "check_license", product="demo", license_key=own)["license_key"] == own, "its clock did not move"
        assert other.clock().get()["source"] != "session"
    finally:
        other.reset()


def test_a_floating_seat_is_freed_by_floating_timeout(lsmock):
    key = lsmock.create_license({"product": "demo", "is_floating": True, "floating_users": 1, "floating_timeout": 10, "max_activations": 2})["license_key"]
    first, second = Device(lsmock, "py-rt-flot-1"), Device(lsmock, "py-rt-flot-2")
    for device in (first, second):
        device.ok("POST", "activate_license", product="demo", license_key=key)
    assert first.ok("GET", "check_license", product="demo", license_key=key)["floating_in_use_devices"] == 1
    assert second.refused("GET", "check_license", product="demo", license_key=key) == "floating_not_available"
    lsmock.clock().advance(datetime.timedelta(minutes=9))
    assert second.refused("GET", "check_license", product="demo", license_key=key) == "floating_not_available"
    lsmock.clock().advance("1m")
    assert second.ok("GET", "check_license", product="demo", license_key=key)["floating_in_use_devices"] == 1


def test_a_trial_of_a_product_made_at_run_time_expires(lsmock, lsmock_server):
    product = lsmock.create({"product": {"short_code": "py-rt-trial", "allow_trial": True, "trial_days": 3}})
    assert product == {"kind": "product", "ref": "product:py-rt-trial", "product": "py-rt-trial"}
    device = Device(lsmock, "py-rt-trial-hw")
    key = device.ok("GET", "trial_key", product="py-rt-trial")["license_key"]
    assert device.ok("POST", "activate_license", product="py-rt-trial", license_key=key)["is_trial"] is True
    lsmock.clock().advance("2d")
    assert device.ok("GET", "check_license", product="py-rt-trial", license_key=key)["is_trial"] is True
    lsmock.clock().advance("1d")
    assert device.refused("GET", "check_license", product="py-rt-trial", license_key=key) == "trial_expired"
    assert Device(lsmock_server.session(), "py-rt-trial-hw").refused("GET", "trial_key", product="py-rt-trial") == "unknown_product"


def test_user_based_declarations_and_delete_by_ref(lsmock, lsmock_server):
    lsmock.create({"product": {"short_code": "py-rt-users", "authorization_method": "user"}})
    user = lsmock.create({"user": {"username": "ann@example.com"}})
    assert (user["kind"], user["ref"], user["username"]) == ("user", "user:ann@example.com", "ann@example.com")
    assert user["password"], "a generated password"
    license = lsmock.create_license({"product": "py-rt-users", "username": "ann@example.com"})
    assert license == {"kind": "license", "ref": "user:ann@example.com/py-rt-users", "product": "py-rt-users", "username": "ann@example.com"}
    device = Device(lsmock, "py-rt-user-hw")
    activated = device.ok("POST", "activate_license", product="py-rt-users", username="ann@example.com", password=user["password"])
    assert activated["user"]["email"] == "ann@example.com"

    with pytest.raises(lsmock_pkg.AdminError) as in_use:
        lsmock.delete_license("product:py-rt-users")
    assert (in_use.value.status, in_use.value.code) == (409, "in_use")
    with pytest.raises(lsmock_pkg.AdminError) as elsewhere:
        lsmock_server.delete_license(license["ref"], session=lsmock_server.session().api_key)
    assert (elsewhere.value.status, elsewhere.value.code) == (404, "not_found")

    lsmock.delete_license(license["ref"])  # its ref has a slash
    lsmock.delete_license("product:py-rt-users")
    with pytest.raises(lsmock_pkg.AdminError, match="py-rt-users"):
        lsmock.create_license({"product": "py-rt-users", "username": "ann@example.com"})


def test_delete_all_and_reset_remove_the_sessions_declarations(lsmock):
    one = lsmock.create_license({"product": "demo"})["license_key"]
    lsmock.create({"product": {"short_code": "py-rt-all"}})
    lsmock.delete_license()
    assert Device(lsmock, "py-rt-all-hw").refused("POST", "activate_license", product="demo", license_key=one) == "license_not_found"
    lsmock.create({"product": {"short_code": "py-rt-all"}})  # its code is free again
    two = lsmock.create_license({"product": "demo"})["license_key"]
    lsmock.reset()
    assert Device(lsmock, "py-rt-all-hw").refused("POST", "activate_license", product="demo", license_key=two) == "license_not_found"


def test_a_malformed_declaration_raises_with_the_field(lsmock):
    with pytest.raises(lsmock_pkg.AdminError) as bad:
        lsmock.create_license({"product": "demo", "max_activations": -1})
    e = bad.value
    assert isinstance(e, lsmock_pkg.LsmockError)
    assert (e.status, e.code) == (400, "invalid_declaration")
    assert str(e).startswith("lsmock: license.max_activations: ")
    assert [f["field"] for f in e.errors] == ["license.max_activations"]
    assert e.errors[0]["line"] >= 1 and e.errors[0]["column"] >= 1

    for decl, status, code, says in [
        ({"license": {"product": "no-such-product"}}, 400, "invalid_declaration", "no-such-product"),
        ({"license": {"product": "demo", "license_key": "DEMO-PERP-0000-0001"}}, 400, "invalid_declaration", "DEMO-PERP-0000-0001"),
        ({"license": {"product": "demo", "no_such_key": 1}}, 400, "invalid_declaration", "no_such_key"),
        ({"license": {"product": "demo"}, "user": {"username": "x@example.com"}}, 400, "invalid_declaration", ""),
        ({"license": {"product": "demo", "metadata": {"blob": "x" * 70 * 1024}}}, 413, "body_too_large", ""),
    ]:
        with pytest.raises(lsmock_pkg.AdminError, match=says) as refused:
            lsmock.create(decl)
        assert (refused.value.status, refused.value.code) == (status, code), decl

    with pytest.raises(TypeError):
        lsmock.create_license([{"product": "demo"}])
    with pytest.raises(TypeError):
        lsmock.create("license")
    with pytest.raises(TypeError):
        lsmock.delete_license("")
    with pytest.raises(TypeError):
        lsmock.server.create_license({"product": "demo"})  # the server's need a session


def test_a_session_holds_at_most_100_declarations(lsmock):
    for _ in range(100):
        lsmock.create_license({"product": "demo"})
    with pytest.raises(lsmock_pkg.AdminError) as full:
        lsmock.create_license({"product": "demo"})
    assert (full.value.status, full.value.code) == (409, "declarations_full")
    lsmock.delete_license()
    lsmock.create_license({"product": "demo"})


def test_clock_set_advance_now_reset(lsmock):
    clock = lsmock.clock()
    assert clock.set(datetime.datetime(2027, 1, 1))["now"] == "2027-01-01T00:00:00.000Z", "naive is UTC"
    assert clock.advance("1d12h")["now"] == "2027-01-02T12:00:00.000Z"
    assert clock.advance(datetime.timedelta(hours=1, microseconds=500000))["now"] == "2027-01-02T13:00:00.500Z"
    assert clock.now() == datetime.datetime(2027, 1, 2, 13, 0, 0, 500000, tzinfo=UTC)
    assert clock.set(datetime.datetime(2028, 1, 1, 2, tzinfo=datetime.timezone(datetime.timedelta(hours=2))))["now"] == "2028-01-01T00:00:00.000Z"
    assert clock.set(datetime.date(2029, 3, 1))["now"] == "2029-03-01T00:00:00.000Z"
    state = clock.get()
    assert (state["now"], state["set"], state["source"]) == ("2029-03-01T00:00:00.000Z", True, "session")
    assert state["session"] and lsmock.api_key not in state["session"], "an API key is shown hashed"
    back = clock.reset()
    assert back["set"] is False and back["source"] != "session"

    with pytest.raises(lsmock_pkg.AdminError) as negative:
        clock.advance(datetime.timedelta(seconds=-1))
    assert (negative.value.status, negative.value.code) == (400, "invalid_parameter")
    with pytest.raises(lsmock_pkg.AdminError, match="RFC 3339"):
        clock.set("next tuesday")
    with pytest.raises(TypeError):
        clock.set(42)
    with pytest.raises(TypeError):
        clock.advance(31)
    with pytest.raises(TypeError):
        lsmock.server.clock("")
    assert clock.get()["set"] is False, "refused moves change nothing"


def test_the_global_clock_and_the_session_clock_that_wins():
    # A server of its own: the global clock would move every session of a shared one.
    with lsmock_pkg.start() as srv:
        own = srv.clock("py-rt-own")
        own.set("2027-01-01T00:00:00Z")
        assert srv.clock().set("2030-06-01T00:00:00Z") == {"now": "2030-06-01T00:00:00.000Z", "set": True, "source": "global"}
        assert own.get()["source"] == "session", "the session's own clock wins"
        assert srv.clock("py-rt-unset").now() == datetime.datetime(2030, 6, 1, tzinfo=UTC)
        assert own.reset()["source"] == "global"
        assert srv.clock().reset()["source"] == "real"
