"""The lock files are what gets installed: versions, hashes, and who installs from them."""

import re
import tomllib
from importlib import metadata
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==([^\s;\\]+)", re.M)


def pins(name):
    text = (ROOT / name).read_text()
    return {n.lower().replace("_", "-"): v for n, v in PIN.findall(text)}, text


def canonical(requirement):
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_installed_versions_are_the_locked_ones():
    locked, _ = pins("requirements-test.txt")
    wrong = {}
    for name, version in locked.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != version:
            wrong[name] = (version, installed)
    assert not wrong, f"installed differs from requirements-test.txt (run make install): {wrong}"


def test_every_pin_has_hashes_and_production_agrees_with_test():
    test, text = pins("requirements-test.txt")
    production, production_text = pins("requirements.txt")
    for body in (text, production_text):
        entries = re.split(r"\n(?=[A-Za-z])", body.split("\n\n", 1)[-1].strip())
        for entry in entries:
            if PIN.match(entry):
                assert "--hash=sha256:" in entry, entry.splitlines()[0]
    for name, version in production.items():
        assert test.get(name) == version, name


def test_every_declared_dependency_is_locked_and_used():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    production, _ = pins("requirements.txt")
    test, _ = pins("requirements-test.txt")
    for requirement in project["dependencies"]:
        assert canonical(requirement) in production, requirement
    for requirement in project["optional-dependencies"]["test"]:
        assert canonical(requirement) in test, requirement
    # Uploads are recognised by our own magic-byte check; nothing imports puremagic.
    assert "puremagic" not in production


def test_make_docker_and_ci_install_from_the_locks():
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes -r requirements-test.txt" in makefile
    assert "--no-deps -e ." in makefile
    assert "npm ci" in makefile
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "--require-hashes -r requirements.txt" in dockerfile
    assert "npm ci" in dockerfile
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_npm_lock_pins_every_package_with_integrity():
    import json

    lock = json.loads((ROOT / "package-lock.json").read_text())
    declared = json.loads((ROOT / "package.json").read_text())["dependencies"]
    packages = lock["packages"]
    for name in declared:
        entry = packages[f"node_modules/{name}"]
        assert entry["version"] and entry["integrity"].startswith("sha512-"), name
