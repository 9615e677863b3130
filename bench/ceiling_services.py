"""The ceiling: a bare nameko @http entrypoint that makes one RPC to another service.

    nameko run --config <cfg> bench.ceiling_services:Front bench.ceiling_services:Back
"""
import json

from nameko.rpc import RpcProxy, rpc
from nameko.web.handlers import http


class Back:
    name = "bench_back"

    @rpc
    def pong(self, value):
        return {"value": value}


class Front:
    name = "bench_front"
    back = RpcProxy("bench_back")

    @http("POST", "/ping/<int:value>")
    def ping(self, request, value):
        return json.dumps(self.back.pong(value))
