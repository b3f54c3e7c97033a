#!/usr/bin/env python3
"""Writes lsmock's wheel for one release target, with the standard library only (no build
backend, no network): the pure-Python package lsmock/, the target's binary in lsmock/bin/, and
the .dist-info (METADATA, WHEEL, entry_points.txt, RECORD with sha256 digests).

    wheel.py --binary PATH --target linux/amd64 --version 0.1.0 OUTDIR

prints the wheel's path. The zip is reproducible: entries sorted, one fixed timestamp
(SOURCE_DATE_EPOCH if set), modes 0644 and 0755 for the binary.
"""
import argparse
import base64
import hashlib
import os
import re
import sys
import time
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

# The binary is static (CGO_ENABLED=0), so any glibc or musl will do; the floors are those of
# the manylinux2014 and musllinux_1_1 policies, and for macOS Go's own (Go 1.25+ needs macOS 12).
PLATFORM_TAGS = {
    "linux/amd64": ["manylinux_2_17_x86_64", "manylinux2014_x86_64", "musllinux_1_1_x86_64"],
    "linux/arm64": ["manylinux_2_17_aarch64", "manylinux2014_aarch64", "musllinux_1_1_aarch64"],
    "darwin/amd64": ["macosx_12_0_x86_64"],
    "darwin/arm64": ["macosx_12_0_arm64"],
    "windows/amd64": ["win_amd64"],
}

# PEP 440 public versions of the forms a release uses (1.2.3, 1.2.3rc1, 1.2.3.post1, 1.2.3.dev4).
VERSION_RE = re.compile(r"^\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?$")

ENTRY_POINTS = """[console_scripts]
lsmock = lsmock.__main__:main

[pytest11]
lsmock = lsmock.pytest_plugin
"""


def record_hash(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "sha256=" + digest


def metadata(version):
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    return (
        "Metadata-Version: 2.1\n"
        "Name: lsmock\n"
        f"Version: {version}\n"
        "Summary: A mock and contract-test server for the LicenseSpring License API, "
        "with a start/stop helper and a pytest plugin.\n"
        "Home-page: https://github.com/lsmock/lsmock\n"
        "Requires-Python: >=3.8\n"
        "Classifier: Framework :: Pytest\n"
        "Classifier: Programming Language :: Python :: 3\n"
        "Classifier: Topic :: Software Development :: Testing :: Mocking\n"
        "Description-Content-Type: text/markdown\n"
        "\n" + readme
    )


def wheel_file(tags):
    lines = ["Wheel-Version: 1.0", "Generator: lsmock packaging/python/wheel.py", "Root-Is-Purelib: false"]
    lines += [f"Tag: py3-none-{tag}" for tag in tags]
    return "\n".join(lines) + "\n"


def build(binary, target, version, outdir):
    if target not in PLATFORM_TAGS:
        raise SystemExit(f"wheel.py: no wheel for {target}; targets: {', '.join(PLATFORM_TAGS)}")
    if not VERSION_RE.match(version):
        raise SystemExit(f"wheel.py: version {version!r} is not a PEP 440 release version (stamp one: -X ...cli.version=1.2.3)")
    tags = PLATFORM_TAGS[target]
    exe = "lsmock.exe" if target.startswith("windows/") else "lsmock"
    dist_info = f"lsmock-{version}.dist-info"

    files = []  # (archive name, bytes, executable)
    pkg = os.path.join(HERE, "lsmock")
    for name in sorted(os.listdir(pkg)):
        if name.endswith(".py"):
            with open(os.path.join(pkg, name), "rb") as f:
                files.append((f"lsmock/{name}", f.read(), False))
    with open(binary, "rb") as f:
        files.append((f"lsmock/bin/{exe}", f.read(), True))
    files.append((f"{dist_info}/METADATA", metadata(version).encode(), False))
    files.append((f"{dist_info}/WHEEL", wheel_file(tags).encode(), False))
    files.append((f"{dist_info}/entry_points.txt", ENTRY_POINTS.encode(), False))
    record = "".join(f"{name},{record_hash(data)},{len(data)}\n" for name, data, _ in files)
    record += f"{dist_info}/RECORD,,\n"
    files.append((f"{dist_info}/RECORD", record.encode(), False))

    stamp = time.gmtime(max(int(os.environ.get("SOURCE_DATE_EPOCH", "315532800")), 315532800))[:6]
    path = os.path.join(outdir, f"lsmock-{version}-py3-none-{'.'.join(tags)}.whl")
    os.makedirs(outdir, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, executable in files:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.external_attr = (0o100755 if executable else 0o100644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def main(argv):
    p = argparse.ArgumentParser(description="Write lsmock's wheel for one release target.")
    p.add_argument("--binary", required=True, help="the lsmock binary built for the target")
    p.add_argument("--target", required=True, help="GOOS/GOARCH: " + ", ".join(PLATFORM_TAGS))
    p.add_argument("--version", required=True, help="the version stamped into the binary")
    p.add_argument("outdir")
    a = p.parse_args(argv)
    print(build(a.binary, a.target, a.version, a.outdir))


if __name__ == "__main__":
    main(sys.argv[1:])
