"""Errors that cross the RPC boundary intact, so the gateway can map them to HTTP.

nameko rebuilds a registered exception from its args on the caller's side; the args
are therefore plain JSON values: (message, details).
"""
from nameko.exceptions import deserialize_to_instance


class ServiceError(Exception):
    code = "INTERNAL"
    status = 500

    def __init__(self, message, details=None):
        super().__init__(message, details or {})
        self.message = message
        self.details = details or {}

    def __str__(self):
        return self.message


@deserialize_to_instance
class NotFound(ServiceError):
    code, status = "NOT_FOUND", 404


@deserialize_to_instance
class Conflict(ServiceError):
    code, status = "CONFLICT", 409


@deserialize_to_instance
class Invalid(ServiceError):
    """Validation failure: details map each bad field to its messages."""
    code, status = "VALIDATION_FAILED", 422


@deserialize_to_instance
class Forbidden(ServiceError):
    code, status = "FORBIDDEN", 403


@deserialize_to_instance
class Unavailable(ServiceError):
    """The service cannot do it now (its database kept failing over past the retries'
    deadline, services.common.rerun): try again shortly. Answered 503."""
    code, status = "SERVICE_UNAVAILABLE", 503


@deserialize_to_instance
class CallRefused(ServiceError):
    """An RPC without a valid signature (services.common.signing): refused before any
    worker runs. The gateway answers it as 403 FORBIDDEN: its own calls are always signed,
    so this means a key that differs between the gateway and the service."""
    code, status = "FORBIDDEN", 403


def expected_rpc():
    """An @rpc whose ServiceErrors are expected outcomes (logged as warnings, not errors),
    that runs only for a signed call (services.common.rpc.SignedRpc)."""
    from services.common.rpc import SignedRpc
    return SignedRpc.decorator(expected_exceptions=ServiceError)
