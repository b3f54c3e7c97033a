"""A test clock of lsmock: a session's (PUT/GET/DELETE /__lsmock/sessions/{session}/clock) or,
without a session, the global one (/__lsmock/clock). See docs/testing-time.md."""
import datetime


class Clock:
    """A test clock, as Stripe's: frozen once set, moved only by the test. Everything
    time-dependent in its session follows it: validity, valid_duration, trials, floating
    timeouts, borrows (the global clock also OAuth tokens). Each method returns the clock as
    lsmock shows it: {"session", "now", "set", "source"}."""

    def __init__(self, admin, path, session):
        self._admin = admin
        self._path = path
        #: the session's name, or None for the global clock
        self.session = session

    def __repr__(self):
        return f"<lsmock.Clock {self.session or '(global)'}>"

    def get(self):
        """The clock as lsmock shows it: now (ISO 8601, UTC), set, and source ("session",
        "global" or "real": where now comes from)."""
        return self._admin("GET", self._path)

    def now(self):
        """The time the session is held to, as an aware datetime in UTC."""
        return _parse(self.get()["now"])

    def set(self, when):
        """Freezes the clock at when: an aware datetime (a naive one is taken as UTC), a date
        (midnight UTC), or an RFC 3339 string such as "2027-01-01T00:00:00Z"."""
        return self._admin("PUT", self._path, {"now": _instant(when)})

    def advance(self, by):
        """Moves the clock forward and freezes it: "31d", "36h", "1d12h" (Go durations plus
        days), or a datetime.timedelta."""
        return self._admin("PUT", self._path, {"advance": _duration(by)})

    def reset(self):
        """Back to real time (a session's then follows the global clock, if set)."""
        return self._admin("DELETE", self._path)


def _instant(when):
    if isinstance(when, datetime.datetime):
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)  # lsmock's choice: naive is UTC
        return when.isoformat()
    if isinstance(when, datetime.date):
        return when.isoformat()
    if isinstance(when, str):
        return when
    raise TypeError("lsmock: clock.set(when): a datetime, a date or an RFC 3339 string")


def _duration(by):
    if isinstance(by, str):
        return by
    if isinstance(by, datetime.timedelta):
        # days, seconds and microseconds as lsmock reads them ("31d", "1d3600s", "1500us")
        parts = [f"{by.days}d"] if by.days else []
        parts += [f"{by.seconds}s"] if by.seconds else []
        parts += [f"{by.microseconds}us"] if by.microseconds else []
        return "".join(parts) or "0s"
    raise TypeError('lsmock: clock.advance(by): a duration such as "31d" or "1d12h", or a datetime.timedelta')


def _parse(text):
    # Python before 3.11 reads no "Z"
    return datetime.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
