"""The HTTP gateway: identity, authorization, validation; calls services by RPC."""
