"""Red-team, benign and labelled-PII sets for the compliance guards, and their scorer (copilot guard --score)."""
