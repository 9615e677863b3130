"""The console's own pages: signing in and out, the home of each role, the inbox, the
static files and the evidence files (each through the JSON API's routes)."""
import json
import mimetypes
from pathlib import Path
from urllib.parse import urlencode

from dataclasses import replace

from werkzeug.wrappers import Response

from gateway import auth
from gateway.models import User

from gateway.console import api
from gateway.console.web import COOKIE, HERE, View, chinese, home_of, page, redirect
from gateway.errors import ApiError
from gateway.i18n import translate
from services.common.settings import ROOT_HINT

STATIC = HERE / "static"
# third-party assets installed from the npm registry by the README's commands (package.json)
VENDOR = {"htmx.min.js": Path(ROOT_HINT) / "node_modules" / "htmx.org" / "dist" / "htmx.min.js"}
PAGE_SIZE = 20


class Pager:
    def __init__(self, path, query, total, limit=PAGE_SIZE):
        self.path, self.query, self.total, self.limit = path, dict(query), total, limit
        self.offset = max(0, _int(query.get("offset"), 0))
        self.page = self.offset // limit + 1
        self.pages = max(1, -(-total // limit))
        self.previous = self.offset - limit if self.offset > 0 else None
        self.next = self.offset + limit if self.offset + limit < total else None

    def link(self, offset):
        return "%s?%s" % (self.path, urlencode(dict(self.query, offset=offset)))


def _int(text, default=None):
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


def first(form, name, default=""):
    values = form.get(name) or [default]
    return values[0]


class ConsoleViews(api.ApiCalls):
    """Mixed into the gateway's Service."""

    def _frame(self, page, template, status=200, **context):
        """A full page: the header needs the caller's unread count."""
        unread = 0
        if page.user is not None:
            try:
                unread = self._api(page, "unread_count")["unread"]
            except ApiError:  # the inbox being away must not take the page with it
                unread = 0
        return View(template, dict(context, unread=unread), status)

    # signing in and out --------------------------------------------------------------
    @page("GET", "/", signed_in=False)
    def console_home(self, page):
        return redirect(home_of(page.user) if page.user else "/login")

    @page("GET", "/login", signed_in=False)
    def sign_in_form(self, page):
        return View("login.html", {"next": page.query.get("next", ""), "username": ""})

    @page("POST", "/login", signed_in=False)
    def sign_in(self, page):
        username, password = first(page.form, "username"), first(page.form, "password")
        target = _safe_next(first(page.form, "next")) or None
        try:
            token = self._api(_anonymous(page), "issue_token",
                              {"username": username, "password": password})["access_token"]
        except ApiError as exc:
            message = translate(exc.message, "zh") if exc.status != 422 else "请填写用户名和密码"
            return View("login.html", {"error": message, "username": username,
                                       "next": target or ""}, 401 if exc.status == 401
                        else exc.status)
        user = _user_of_token(self, token)
        response = redirect(target or home_of(user))
        response.set_cookie(COOKIE, token, max_age=self.config.token_ttl_seconds,
                            httponly=True, samesite="Lax", secure=_behind_tls(page.request),
                            path="/")
        return response

    @page("POST", "/logout")
    def sign_out(self, page):
        response = redirect("/login")
        response.delete_cookie(COOKIE, path="/")
        return response

    # the inbox ------------------------------------------------------------------------
    @page("GET", "/notifications")
    def notifications_page(self, page):
        offset = max(0, _int(page.query.get("offset"), 0))
        inbox = self._api(page, "inbox", query={"limit": str(PAGE_SIZE),
                                                "offset": str(offset)})
        return self._frame(page, "notifications.html", inbox=inbox,
                           pager=Pager("/notifications", page.query, inbox["total"]))

    @page("POST", "/notifications/<int:notification_id>/read")
    def read_notification(self, page, notification_id):
        try:
            self._api(page, "mark_one_read", notification_id=notification_id)
        except ApiError:
            pass  # gone or not the caller's: the inbox shows what is there
        return redirect("/notifications")

    @page("POST", "/notifications/read-all")
    def read_all_notifications(self, page):
        self._api(page, "mark_all_read")
        return redirect("/notifications")

    # files ----------------------------------------------------------------------------
    @page("GET", "/static/<string:name>", signed_in=False)
    def static_file(self, page, name):
        path = STATIC / name
        if not path.is_file():
            return View("error.html", {"message": "没有这个文件"}, 404)
        return _static(path)

    @page("GET", "/static/vendor/<string:name>", signed_in=False)
    def vendor_file(self, page, name):
        path = VENDOR.get(name)
        if path is None or not path.is_file():
            return View("error.html", {"message": "没有这个文件（前端依赖未安装：npm ci）"},
                        404)
        return _static(path)

    @page("GET", "/files/<int:evidence_id>")
    def evidence_bytes(self, page, evidence_id):
        return self._file(page, "evidence_file", evidence_id)

    @page("GET", "/files/<int:evidence_id>/thumbnail")
    def evidence_thumbnail_bytes(self, page, evidence_id):
        return self._file(page, "evidence_thumbnail", evidence_id)

    def _file(self, page, route, evidence_id):
        try:
            return self._api(page, route, evidence_id=evidence_id)
        except ApiError as exc:
            return View("error.html", {"message": translate(exc.message, "zh")}, exc.status)

    @page("POST", "/files", upload=True)
    def upload_file(self, page):
        """The report form's uploads (console.js, with progress): the API's own upload."""
        try:
            answer = self._api(page, "upload_evidence", upload=page.upload)
            status = 201
        except ApiError as exc:
            answer = {"error": {"code": exc.code, "message": translate(exc.message, "zh"),
                                "details": chinese(exc.details)}}
            status = exc.status
        return Response(json.dumps(answer, ensure_ascii=False), status=status,
                        mimetype="application/json")


def _static(path):
    response = Response(path.read_bytes(), mimetype=mimetypes.guess_type(path.name)[0])
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _anonymous(page):
    """The sign-in form's call: no user yet (the route is public)."""
    return replace(page, user=None)


def _user_of_token(service, token):
    user_id, _ = auth.read_token(token, service.db.provider.container.config["JWT_SECRET"])
    with service.db.session() as session:
        user = session.get(User, user_id)
        session.expunge(user)
    return user


def _safe_next(target):
    """Only a path of this site: never another origin (an open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return None


def _behind_tls(request):
    return request.scheme == "https" or \
        request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip() == "https"
