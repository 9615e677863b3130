"""The library's entrypoints by sub-domain, as mixins that service.py composes."""
