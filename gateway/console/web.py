"""The console's entrypoint: a page of the federation's web console, served by the gateway.

For each request: request id -> the session (a cookie holding the user's own access token:
HttpOnly, SameSite=Lax, Secure behind TLS; never in the page's storage, so a session ends
as the user's tokens do: on disable, a password or role change) -> sign-in required or not
-> the CSRF token on every POST (a form field or htmx's header, an HMAC of the session) ->
the view in a worker -> the page rendered with Jinja2 (autoescaped) and the security
headers (a Content-Security-Policy without inline script or style).

Views reach the data only through the JSON API's own routes (gateway.console.api): the
console adds no rule and no second path.
"""
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from datetime import datetime

from eventlet.event import Event
from jinja2 import Environment, FileSystemLoader, select_autoescape
from werkzeug.wrappers import Response

from gateway import i18n, uploads
from gateway.errors import ApiError
from gateway.guard import Guard
from services.common import logs, metrics
from services.common.clock import LOCAL
from services.common.web import Http, request_id_of

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
COOKIE = "cm_console"
TEMPLATES = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                        autoescape=select_autoescape(["html"]), trim_blocks=True,
                        lstrip_blocks=True)


def local_time(text):
    """A UTC ISO-8601 moment as Zhangye reads it."""
    if not text:
        return ""
    moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return moment.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")


def percent(ratio):
    """A share ("0.9600") as people read it: 96.0%."""
    return "—" if ratio in (None, "") else "%.1f%%" % (float(ratio) * 100)


TEMPLATES.filters["local_time"] = local_time
TEMPLATES.filters["percent"] = percent
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; "
       "object-src 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass
class Page:
    """What a view receives (and what the RPCs are signed for: its user)."""
    request_id: str
    request: object
    user: object = None
    token: str = None
    csrf: str = None
    form: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    upload: object = None

    @property
    def htmx(self):
        return self.request.headers.get("HX-Request") == "true"


@dataclass
class View:
    template: str
    context: dict = field(default_factory=dict)
    status: int = 200
    headers: dict = field(default_factory=dict)


def redirect(location, headers=None):
    response = Response("", status=303, headers={"Location": location, **(headers or {})})
    return response


def json_error(exc):
    body = {"error": {"code": exc.code, "message": i18n.translate(exc.message, "zh"),
                      "details": chinese(exc.details)}}
    return Response(json.dumps(body, ensure_ascii=False), status=exc.status,
                    mimetype="application/json")


def csrf_of(token, secret):
    return hmac.new(secret.encode(), ("csrf:" + token).encode(), hashlib.sha256).hexdigest()


class ConsolePage(Http):
    guard = Guard()

    def __init__(self, method, url, signed_in=True, upload=False, **kwargs):
        self.signed_in = signed_in
        self.upload = upload  # a multipart body with one file, spooled (gateway.uploads)
        super().__init__(method, url, **kwargs)

    def handle_request(self, request):
        request.shallow = False
        started = time.perf_counter()
        request_id = getattr(request, "request_id", None) or request_id_of(request.headers)
        logs.bind(correlation_id=request_id)
        try:
            response = self._handle(request, request_id)
        except ApiError as exc:  # what the API refused: its message, as a page
            response = self._render(Page(request_id, request), View(
                "error.html", {"message": i18n.translate(exc.message, "zh")}, exc.status))
        except Exception:
            log.exception("unhandled error on the console page %s", request.path)
            response = self._render(Page(request_id, request), View(
                "error.html", {"message": "内部错误，请稍后再试"}, 500))
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers["X-Request-ID"] = request_id
        metrics.HTTP_REQUESTS.labels(request.method, self.url, response.status_code).inc()
        metrics.HTTP_LATENCY.labels(request.method, self.url).observe(
            time.perf_counter() - started)
        return response

    def _handle(self, request, request_id):
        form = request.form.to_dict(flat=False) if request.method == "POST" \
            and not self.upload else {}
        page = Page(request_id, request, form=form, query=request.args.to_dict())
        limited = self._limited("address:%s" % request.remote_addr, self.guard.per_address)
        self._session(page)
        if page.user is not None:
            limited = limited or self._limited("user:%d" % page.user.id, self.guard.per_user)
        if limited:  # the API's rate limits, per address and per user, hold here too
            return self._render(page, View("error.html", {
                "message": "请求过于频繁，请在 %d 秒后重试" % limited}, 429,
                {"Retry-After": str(limited)}))
        if self.signed_in and page.user is None:
            return redirect("/login?next=%s" % quote(request.full_path.rstrip("?")))
        if request.method == "POST" and not self._csrf_ok(page):
            return self._render(page, View("error.html", {
                "message": "页面已过期，请刷新后重试（CSRF 校验失败）"}, 403))
        if self.upload:
            return self._with_upload(page, request)
        try:
            return self._result(page, self._run_worker(page, request.path_values))
        except ApiError as exc:  # what the API refused: its message, on the user's page
            return self._render(page, View("error.html", {
                "message": i18n.translate(exc.message, "zh")}, exc.status))

    def _with_upload(self, page, request):
        try:
            page.upload = uploads.received(request, uploads.spool_folder(
                self.container.config["CM"]))
        except ApiError as exc:
            return json_error(exc)
        try:
            return self._result(page, self._run_worker(page, request.path_values))
        finally:
            page.upload.discard()

    def _result(self, page, result):
        if isinstance(result, Response):
            return result
        return self._render(page, result)

    @staticmethod
    def _limited(key, limiter):
        return limiter.retry_after(key)

    def _session(self, page):
        token = page.request.cookies.get(COOKIE)
        if not token:
            return
        try:
            page.user = self.guard.user_for(token, self._sessions())
        except ApiError:  # expired, outdated by a change of credentials, or disabled
            return
        page.token = token
        page.csrf = csrf_of(token, self.container.config["JWT_SECRET"])

    def _csrf_ok(self, page):
        if page.user is None:  # only the sign-in form posts without a session
            return self.url == "/login"
        given = page.request.headers.get("X-CSRF-Token") or (page.form.get("csrf") or [""])[0]
        return hmac.compare_digest(given, page.csrf)

    def _run_worker(self, page, path_values):
        event = Event()
        self.container.spawn_worker(
            self, (page,), path_values, context_data={"correlation_id": page.request_id},
            handle_result=lambda worker_ctx, result, exc_info: (
                event.send(result, exc_info), (result, exc_info))[1])
        return event.wait()

    def _render(self, page, view):
        context = dict(view.context, user=page.user, csrf=page.csrf,
                       nav=navigation(page.user), path=page.request.path)
        html = TEMPLATES.get_template(view.template).render(**context)
        return Response(html, status=view.status, headers=view.headers,
                        mimetype="text/html")

    def _sessions(self):
        for dependency in self.container.dependencies:
            if getattr(dependency, "attr_name", None) == "db":
                return dependency.sessions
        raise RuntimeError("the console needs the gateway's database")


NAVIGATION = [  # (label, path, roles): the accessible names are API.md's
    ("我的活动", "/activities/mine", ("union_admin",)),
    ("上报活动", "/activities/new", ("union_admin",)),
    ("待审核", "/review", ("county_reviewer", "city_admin")),
    ("资金", "/funds", ("finance", "city_admin")),
    ("收款账户", "/payees", ("finance", "city_admin")),
    ("覆盖情况", "/coverage", ("county_reviewer", "city_admin")),
    ("宣讲", "/lectures", ("city_admin",)),
    ("阅读阵地", "/network", ("city_admin",)),
    ("用户", "/users", ("city_admin",)),
    ("我的借阅", "/loans", ("worker",)),
    ("通知", "/notifications", None),
]


def navigation(user):
    if user is None:
        return []
    return [(label, path) for label, path, roles in NAVIGATION
            if roles is None or user.role in roles]


def home_of(user):
    for label, path, roles in NAVIGATION:
        if roles is not None and user.role in roles:
            return path
    return "/notifications"


def chinese(details):
    return i18n.translate_details(details or {}, "zh")


page = ConsolePage.decorator
