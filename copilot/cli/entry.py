"""The `copilot` console script: the serving commands turn torch away (copilot.lean) before any import, then typer."""

import sys

from copilot.lean import refuse_training_libraries

SERVING = {"serve", "chat"}


def main() -> None:
    if SERVING & set(sys.argv[1:2]):
        refuse_training_libraries()
    from copilot.cli.main import app

    app()


if __name__ == "__main__":
    main()
