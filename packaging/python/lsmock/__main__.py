"""`lsmock ...` (the console script) and `python -m lsmock ...`: runs the binary with the same
arguments. On POSIX it replaces this process, so signals (Ctrl-C, a CI job's kill) reach lsmock
itself and nothing is left behind."""
import os
import subprocess
import sys

from ._binary import LsmockError, binary_path


def main():
    try:
        binary = binary_path()
    except LsmockError as e:
        sys.stderr.write(f"{e}\n")
        return 1
    argv = [binary, *sys.argv[1:]]
    try:
        if sys.platform == "win32":
            return subprocess.call(argv)
        os.execv(binary, argv)
    except OSError as e:
        sys.stderr.write(f"lsmock: cannot run {binary}: {e}\n")
        return 1
    except KeyboardInterrupt:  # Windows: lsmock got the Ctrl-C too and stops by itself
        return 130


if __name__ == "__main__":
    sys.exit(main())
