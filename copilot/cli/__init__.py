"""Command line: `copilot` and its sub-commands (demo, tools, kb, chat, serve, eval, guard, bench)."""
