"""The Chinese of the error messages about figures (statistics by role, a union's year) and the
finance digest: part of gateway.messages_zh's catalogue, kept apart to keep each file small."""

FIGURES = {
}
