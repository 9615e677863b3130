"""Route groups, one module per domain; gateway.service.Service combines them."""
