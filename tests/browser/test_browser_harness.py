"""The browser harness itself (tests/support/browser.py), on pages of a tiny local server.

Nothing of the system runs here: these prove that Chromium starts in the test process
(under eventlet), that a page has the phone's width and the Chinese locale, that axe-core
finds what it should and nothing on a clean page, and that this Chromium enforces a
Content-Security-Policy without inline script, so that the console's CSP tests mean
something, and that the pinned htmx works under such a policy.
"""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.support.browser import (  # noqa: F401  (browser: the fixture)
    ROOT, axe_violations, browser, describe, opened_page)

HTMX = ROOT / "node_modules" / "htmx.org" / "dist" / "htmx.min.js"
STRICT_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; object-src 'none'; " \
             "base-uri 'none'; frame-ancestors 'none'"

CLEAN_PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>文化矩阵 · 测试页</title></head>
<body><header><nav aria-label="主导航"><a href="/">首页</a></nav></header>
<main><h1>登录</h1>
<form method="post" action="/login">
  <label for="u">用户名</label> <input id="u" name="username" autocomplete="username">
  <label for="p">密码</label> <input id="p" name="password" type="password"
    autocomplete="current-password">
  <button type="submit">登录</button>
</form></main></body></html>"""

# An image without alt and an unlabelled field: axe rates both critical.
BROKEN_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>有问题的页</title></head><body><main><h1>有问题的页</h1>
<img src="/nothing.png"><input name="nameless"></main></body></html>"""

# record.js runs first (an external script, allowed by script-src 'self') and notes
# every violation report; then an inline script and an inline handler try to run.
CSP_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>内容安全策略</title><script src="/record.js"></script></head>
<body><main><h1>内容安全策略</h1>
<script>window.inlineRan = true; document.title = "inline ran";</script>
<img alt="" src="/nothing.png" onerror="window.handlerRan = true">
</main></body></html>"""

RECORD_JS = """window.externalRan = true;
window.violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.violations.push({directive: event.effectiveDirective, blocked: event.blockedURI});
});"""

# htmx as the console will use it: served from 'self', its indicator <style> turned off
# (style-src 'self' would refuse it), a partial swapped in on a click.
HTMX_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="htmx-config" content='{"includeIndicatorStyles": false}'>
<title>htmx</title><script src="/record.js"></script>
<script src="/static/vendor/htmx.min.js"></script></head>
<body><main><h1>htmx</h1>
<button type="button" hx-get="/partial" hx-target="#out">加载</button>
<div id="out" aria-live="polite"></div></main></body></html>"""


class _Site(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, routes):
        self.routes = routes  # path -> (content type, body, extra headers)
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        route = self.server.routes.get(self.path.split("?")[0])
        if route is None:
            self.send_error(404)
            return
        content_type, body, headers = route
        body = body() if callable(body) else body
        body = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _html(body, csp=None):
    return ("text/html; charset=utf-8", body, {"Content-Security-Policy": csp} if csp else {})


@pytest.fixture(scope="module")
def site():
    server = _Site({
        "/clean": _html(CLEAN_PAGE, STRICT_CSP),
        "/broken": _html(BROKEN_PAGE),
        "/csp": _html(CSP_PAGE, STRICT_CSP),
        "/no-csp": _html(CSP_PAGE),
        "/htmx": _html(HTMX_PAGE, STRICT_CSP),
        "/partial": _html("<p>已加载的片段</p>"),
        "/record.js": ("text/javascript", RECORD_JS, {}),
        "/static/vendor/htmx.min.js": ("text/javascript", HTMX.read_bytes, {}),
    })
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_a_page_at_a_phones_width_in_chinese_with_no_serious_accessibility_violation(
        browser, site):  # noqa: F811
    with opened_page(browser, 375, site.url) as page:
        response = page.goto("/clean")
        assert response.status == 200
        assert page.title() == "文化矩阵 · 测试页"
        assert page.evaluate("() => [window.innerWidth, navigator.language]") == [375, "zh-CN"]
        page.get_by_label("用户名").fill("union-admin")
        assert page.get_by_role("button", name="登录").is_visible()
        violations = axe_violations(page)
        assert violations == [], describe(violations)


def test_axe_finds_the_serious_violations_of_a_broken_page(browser, site):  # noqa: F811
    with opened_page(browser, 1280, site.url) as page:
        page.goto("/broken")
        assert page.evaluate("() => window.innerWidth") == 1280
        found = {v["id"] for v in axe_violations(page)}
        assert {"image-alt", "label"} <= found, found
        minor = {v["id"] for v in axe_violations(page, impact=("minor",))}
        assert not {"image-alt", "label"} & minor, minor  # only the impacts asked for


def test_a_csp_without_inline_script_blocks_inline_script_in_this_chromium(
        browser, site):  # noqa: F811
    with opened_page(browser, 375, site.url) as page:
        page.goto("/csp")
        page.wait_for_function("() => window.violations.length >= 2")
        state = page.evaluate("() => ({external: window.externalRan === true,"
                              " inline: window.inlineRan === true,"
                              " handler: window.handlerRan === true,"
                              " directives: window.violations.map(v => v.directive)})")
        assert state["external"], "the page's own script from 'self' should run"
        assert not state["inline"] and not state["handler"], state
        assert page.title() == "内容安全策略"
        assert set(state["directives"]) <= {"script-src-elem", "script-src-attr"}, state
        # axe is evaluated past the policy: the checks work on the console's pages too
        assert axe_violations(page) == []

    # The control: the same page without the header runs both.
    with opened_page(browser, 375, site.url) as page:
        page.goto("/no-csp")
        page.wait_for_function("() => window.handlerRan === true")
        assert page.evaluate("() => window.inlineRan") is True
        assert page.title() == "inline ran"


def test_the_pinned_htmx_swaps_a_partial_under_the_strict_csp(browser, site):  # noqa: F811
    with opened_page(browser, 375, site.url) as page:
        page.goto("/htmx")
        assert page.evaluate("() => window.htmx && window.htmx.version") == "2.0.11"
        page.get_by_role("button", name="加载").click()
        page.get_by_text("已加载的片段").wait_for()
        assert page.evaluate("() => window.violations") == []
