"""The shared kernel: config, database, events, outbox, inbox, retries, metrics."""
