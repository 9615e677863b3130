"""The error body of the API: {"error": {"code", "message", "details"}}."""
import json

from werkzeug.wrappers import Response


class ApiError(Exception):
    def __init__(self, status, code, message, details=None, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details = details or {}
        self.headers = headers or {}


def unauthenticated(message="a valid bearer token is required"):
    return ApiError(401, "UNAUTHENTICATED", message, headers={"WWW-Authenticate": "Bearer"})


def forbidden(message="your role or ownership does not allow this"):
    return ApiError(403, "FORBIDDEN", message)


def invalid(details, message="request validation failed"):
    return ApiError(422, "VALIDATION_FAILED", message, details)


def unavailable(service, why):
    return ApiError(503, "SERVICE_UNAVAILABLE", "%s is unavailable: %s" % (service, why),
                    {"service": service})


def json_response(status, payload, headers=None):
    return Response(json.dumps(payload, ensure_ascii=False), status=status,
                    headers=headers, mimetype="application/json")


def error_response(status, code, message, details=None, headers=None):
    body = {"error": {"code": code, "message": message, "details": details or {}}}
    return json_response(status, body, headers)
