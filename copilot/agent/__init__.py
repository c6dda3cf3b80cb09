"""Agent runtime: the capability table, the offline planner over the understanding model, dialogue repair,
providers, and the turn loop."""
