"""Agent runtime: intent and slot understanding, the offline planner, providers, and the turn loop."""
