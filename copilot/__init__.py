"""Financial copilot runtime: config, store, consent, audit, agent loop, compliance, api, cli."""

__version__ = "0.1.0"
