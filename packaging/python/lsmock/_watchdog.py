"""Runs lsmock for start() and stops it when the Python process that started it goes away.

    python _watchdog.py BINARY ARGS...

start() holds the write end of this process's stdin and never writes: end of input means it
called stop(), exited or was killed (even by SIGKILL), and lsmock is then stopped gracefully
(SIGTERM: held requests end at once, reports are written). On Linux lsmock also gets SIGTERM if
this watchdog itself dies (PR_SET_PDEATHSIG). Exits with lsmock's status. Standard library only,
run by path so that it needs no import of the lsmock package.
"""
import os
import signal
import subprocess
import sys
import threading


def _pdeathsig():
    """A preexec_fn that makes the kernel send SIGTERM to the child when this process dies, or
    None where there is no prctl. Safe here: the watchdog has one thread when it forks."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1
    return lambda: prctl(pr_set_pdeathsig, int(signal.SIGTERM), 0, 0, 0)


def _stop_on_eof(child):
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    child.terminate()


def main(argv):
    binary, args = argv[0], argv[1:]
    try:
        child = subprocess.Popen([binary, *args], stdin=subprocess.DEVNULL, preexec_fn=_pdeathsig())
    except OSError as e:
        sys.stderr.write(f"lsmock: cannot run {binary}: {e}\n")
        return 127
    # Ctrl-C reaches lsmock too (one process group), and it stops by itself: wait for it. Set
    # after the spawn, as an ignored signal would be inherited.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    threading.Thread(target=_stop_on_eof, args=(child,), daemon=True).start()
    code = child.wait()
    return 128 - code if code < 0 else code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
