"""Fixtures every browser module shares (helpers in :mod:`.serving`).

- ``browser``: Debian's chromium, launched once per module.
- ``server``: ``haictrial serve`` with site 001 and its coordinator ``carol`` (password
  :data:`.serving.PASSWORD`), once per module; yields the base URL. A module that needs other data (the
  demo cohort, a statistician) defines its own ``server`` fixture, which overrides this one in that module.
"""

from __future__ import annotations

import pytest

from .serving import CHROMIUM, CHROMIUM_ARGS, PASSWORD, haictrial, require_chromium, server_environment, serving


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_chromium()
    data = tmp_path_factory.mktemp("edc-data")
    env = server_environment(data)
    haictrial(["site", "add", "001", "--name", "Tongji Hospital"], env)
    haictrial(["user", "add", "carol", "--role", "coordinator", "--site", "001"], env, stdin=PASSWORD + "\n")
    with serving(env, data) as url:
        yield url
