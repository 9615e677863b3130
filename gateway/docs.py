"""GET /api/v1/openapi.json and a browsable /docs page served from local files (no CDN)."""
import json
import mimetypes
from pathlib import Path

import swagger_ui_bundle
from services.common.web import error_response, http
from werkzeug.wrappers import Response

from gateway.openapi import build
from services import asyncapi

ASSETS = Path(swagger_ui_bundle.swagger_ui_path)
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Culture Matrix API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/api/v1/openapi.json", dom_id: "#ui"});</script>
</body></html>"""


class DocsEndpoints:
    _document = None

    @http("GET", "/api/v1/openapi.json")
    def openapi_document(self, request):
        if DocsEndpoints._document is None:
            DocsEndpoints._document = json.dumps(build(type(self), self.config.counties),
                                                 ensure_ascii=False)
        return Response(DocsEndpoints._document, mimetype="application/json")

    @http("GET", "/api/v1/asyncapi.json")
    def asyncapi_document(self, request):
        """The event contract for other teams: what we publish, to whom, in which shape."""
        return Response(asyncapi.render(), mimetype="application/json")

    @http("GET", "/docs")
    def docs_page(self, request):
        return Response(PAGE, mimetype="text/html")

    @http("GET", "/docs/assets/<string:name>")
    def docs_asset(self, request, name):
        path = ASSETS / name
        if name not in ("swagger-ui.css", "swagger-ui-bundle.js") or not path.exists():
            return error_response(404, "NOT_FOUND", "no such route: %s" % request.path)
        return Response(path.read_bytes(), mimetype=mimetypes.guess_type(name)[0])
