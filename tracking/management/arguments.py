"""Argument types the management commands share."""

import argparse
import datetime as dt


def iso_date(value: str) -> dt.date:
    """A YYYY-MM-DD option, refused with a sentence rather than a traceback."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{value}” is not a date (YYYY-MM-DD).") from None
