"""The Chinese of the error messages about payments (payees, batch scope, the second person,
exports, returned lines, reversals): part of gateway.messages_zh's catalogue, kept apart to
keep each file small."""

PAYMENTS = {
}
