"""The desktop bundle's program: the same command line the installed ``unannotate`` runs
(no command opens the review window)."""

import multiprocessing
import os

if __name__ == "__main__":
    # A spawned worker process of `suggest --n-process N` (Windows, macOS) starts this
    # program again: it must run the worker, not the command line.
    multiprocessing.freeze_support()
    # The bundle leaves out rich, which the command line does not use (plain help, plain
    # errors): typer, which reads this when it is imported, must not look for it.
    os.environ.setdefault("TYPER_USE_RICH", "0")
    from unannotate.cli import main

    main()
