"""The Chinese of the error messages about funds (adjustments, closing, re-deciding declines,
partial grants): part of gateway.messages_zh's catalogue, kept apart to keep each file
small."""

FUNDS = {
}
