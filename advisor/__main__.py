"""`python -m advisor` and the `advisor` command."""

import gc


def main() -> None:
    """Tune the cyclic garbage collector for a short-lived process, then run the command line."""
    # As mypy does: a run builds its working set once and exits, and at the default threshold of 700
    # allocations the collector walked the start-up objects dozens of times, a twentieth of a cold run.
    # Collections still happen, so a long portfolio run keeps its memory bounded.
    gc.set_threshold(100_000, 50, 100)
    from advisor.cli import run

    run()


if __name__ == "__main__":
    main()
