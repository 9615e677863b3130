"""A real browser for the console's tests: Playwright's sync API driving Debian's Chromium.

* `browser`: a session-scoped pytest fixture, Chromium headless from /usr/bin/chromium
  (Debian's package `chromium`; scripts/test installs it with apt-get where missing,
  Playwright's own browser download does not work on these machines).
* `new_page(browser, width=375, base_url=None)`: a page in a fresh context (no cookies
  shared with other tests), at a phone's (375) or a desktop's (1280) width, locale zh-CN,
  every wait bounded by DEFAULT_TIMEOUT_MS. Close it with `page.context.close()`, or use
  `opened_page(...)` as a context manager.
* `axe_violations(page, impact=("serious", "critical"))`: axe-core (package.json's
  devDependency, node_modules/axe-core/axe.min.js) run on the page as it is now; the
  violations at those impacts. `describe(violations)` formats them for an assertion.

Test modules use the fixture by importing it: `from tests.support.browser import browser`.

Under eventlet (tests/__main__.py patches the process before pytest starts) the sync API
works as it is: its asyncio loop runs in a greenlet of its own, whose selector is
eventlet's green select, so the hub (and the tests' green threads, e.g. a local HTTP
server) runs while a Playwright call waits. Only stopping it needs help (stop_playwright).
While the browser is open, Playwright marks its loop as the main thread's running asyncio
loop between calls, so code in the test process must not start an asyncio loop of its own
in that thread then (nothing does today; aiosmtpd runs in a subprocess).
"""
import asyncio
import json
import os
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.waiting import wait_for

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
DEFAULT_TIMEOUT_MS = 10_000
HEIGHTS = {375: 812, 1280: 800}  # a phone's and a desktop's screen
SERIOUS = ("serious", "critical")


def launch_args():
    """Chromium's flags here: no setuid sandbox for root (CI and the developers' machines
    run as root, where Chromium refuses to start with it); /tmp rather than a small
    /dev/shm in containers."""
    args = ["--disable-dev-shm-usage"]
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    return args


_running = {}  # the one Chromium of this test process, once started


@pytest.fixture(scope="session")
def browser(request):
    """The session's Chromium. Each module that imports this fixture gets a definition of
    its own from pytest, so the browser is kept here, started once, and stopped when
    pytest ends (a second sync Playwright could not start beside the first anyway)."""
    if "browser" not in _running:
        if not os.access(CHROMIUM, os.X_OK):
            pytest.fail("%s is missing: the browser tests drive Debian's Chromium "
                        "(apt-get install chromium; scripts/test installs it)" % CHROMIUM)
        from playwright.sync_api import sync_playwright
        manager = sync_playwright()
        playwright = manager.start()
        try:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=launch_args(), timeout=60_000)
        except BaseException:
            stop_playwright(manager)
            raise

        def stop():
            _running.clear()
            try:
                chromium.close()
            finally:
                stop_playwright(manager)
        _running["browser"] = chromium
        request.config.add_cleanup(stop)
    return _running["browser"]


def stop_playwright(manager, timeout=30.0):
    """Stop the sync API's driver, also under eventlet.

    Playwright's own stop (manager.__exit__) hangs in an eventlet-patched process: its
    dispatcher greenlet, which runs the asyncio loop, is re-parented to eventlet's hub
    each time it waits on the green selector (eventlet.hubs.hub.Hub.switch), so when the
    driver has gone and the dispatcher ends, control returns to the hub instead of the
    greenlet waiting in __exit__, which is never resumed. So __exit__ runs in a green
    thread of its own, left behind when the dispatcher ends; this greenlet waits for that
    through the hub (green sleeps with a deadline), then closes the loop as __exit__
    would have and takes back the main thread's running-loop mark."""
    import eventlet.patcher
    if not eventlet.patcher.is_monkey_patched("socket"):
        manager.__exit__(None, None, None)
        return
    import eventlet
    fiber = manager._dispatcher_fiber
    eventlet.spawn(manager.__exit__, None, None, None)
    wait_for(lambda: fiber.dead, timeout, "Playwright's driver to stop", interval=0.05)
    loop = manager._loop
    asyncio._set_running_loop(None)
    for task in asyncio.all_tasks(loop):
        task.cancel()
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


def new_page(browser, width=375, base_url=None):
    """A page in a context of its own: viewport `width` (375 or 1280) wide, zh-CN."""
    context = browser.new_context(
        viewport={"width": width, "height": HEIGHTS.get(width, 800)},
        locale="zh-CN", base_url=base_url)
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    context.set_default_navigation_timeout(DEFAULT_TIMEOUT_MS)
    return context.new_page()


@contextmanager
def opened_page(browser, width=375, base_url=None):
    page = new_page(browser, width, base_url)
    try:
        yield page
    finally:
        page.context.close()


_AXE_RUN = """async (impacts) => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations
    .filter(v => impacts.includes(v.impact))
    .map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html,
                                          summary: n.failureSummary}))}));
}"""


def axe_violations(page, impact=SERIOUS):
    """The page's accessibility violations at `impact`, by axe-core.

    axe is evaluated through the DevTools protocol rather than added as a <script>, so a
    page whose Content-Security-Policy forbids inline script is checked as it is served."""
    if not AXE.is_file():
        pytest.fail("%s is missing: install the front-end assets (npm ci; scripts/test "
                    "does it)" % AXE)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    return page.evaluate(_AXE_RUN, list(impact))


def describe(violations):
    """Violations as lines for an assertion message."""
    return "\n".join("%s (%s): %s\n  %s" % (
        v["id"], v["impact"], v["help"],
        "\n  ".join("%s %s" % (json.dumps(n["target"]), n["html"][:120]) for n in v["nodes"]))
        for v in violations)
