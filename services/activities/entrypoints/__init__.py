"""The activities service's entrypoints, one module per sub-domain, as mixin classes that
services.activities.service composes. Each reads: validate -> domain -> one unit of work
(state plus outbox row) -> answer."""
