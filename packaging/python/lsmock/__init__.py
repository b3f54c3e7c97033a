"""lsmock for Python tests: the lsmock binary for this platform, start()/connect() to run or reach
a server, and a pytest plugin (fixtures lsmock_server and lsmock). See docs/python.md."""
from ._binary import LsmockError, binary_path
from ._clock import Clock
from ._server import AdminError, Server, Session, connect, format_entry, start

try:
    from importlib.metadata import PackageNotFoundError, version

    __version__ = version("lsmock")
except PackageNotFoundError:  # run from a source tree, not installed
    __version__ = None

__all__ = ["AdminError", "Clock", "LsmockError", "Server", "Session", "binary_path", "connect", "format_entry", "start"]
