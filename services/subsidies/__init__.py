"""Subsidies: funds and budgets, versioned policies, decisions, ledger, disbursement."""
