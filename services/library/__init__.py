"""Library: the reading network of venues, holdings, loans and four-goods evaluations."""
