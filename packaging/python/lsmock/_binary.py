"""Finds the lsmock binary: LSMOCK_BINARY, else the one the platform's wheel put beside this file."""
import os
import sys


class LsmockError(Exception):
    """lsmock could not be found, started or asked something."""


def binary_path():
    """The path of the lsmock binary start() and the `lsmock` command run; raises LsmockError
    when there is none."""
    env = os.environ.get("LSMOCK_BINARY")
    if env:
        return env
    exe = "lsmock.exe" if sys.platform == "win32" else "lsmock"
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bin", exe)
    if not os.path.isfile(path):
        raise LsmockError(
            f"lsmock: the binary is missing from the installed package ({path}): install the wheel built "
            "for this platform (a pure-Python copy has none), or set LSMOCK_BINARY to a build of your own "
            "(go build ./cmd/lsmock)"
        )
    return path
