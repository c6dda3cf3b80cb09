"""Compliance: guards, filters, streaming, vault, policy, batch checker, figures."""
