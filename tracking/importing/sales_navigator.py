"""Sales Navigator's usage report: one row per seat for a period, with SSI,
pillars and activity totals for the period. The snapshot date is the file's date
column if it has one, else the as-of date, else the period's end; the activity
totals belong to the period and are never split into days."""

from __future__ import annotations

from tracking import rules
from tracking.importing.headers import LABELS
from tracking.importing.rows import SALES_NAVIGATOR
from tracking.importing.table import CsvTable


class SalesNavigatorFile(CsvTable):
    format = SALES_NAVIGATOR

    def __init__(self, *args, **kwargs):
        self._skipped_seats: list[int] = []
        self._skipped_count = 0
        super().__init__(*args, **kwargs)
        # A seat with none of these has no data.
        self._data_columns = self._snapshot_columns + [position for _, position, _ in self._count_cells]

    def restart(self) -> None:
        super().restart()
        self._skipped_seats = []
        self._skipped_count = 0

    def _skip(self, line: int, record: list[str]) -> bool:
        if any(record[i].strip() for i in self._data_columns):
            return False
        self._skipped_count += 1
        if len(self._skipped_seats) < 10:
            self._skipped_seats.append(line)
        return True

    def _has_scores(self, record: list[str]) -> bool:
        # A seat's activity may come without its SSI.
        return any(record[i].strip() for i in self._snapshot_columns)

    def _period(self, date, period_start, period_end, errors: list):
        if (period_start is None or period_end is None) and not errors:
            missing = "period_start" if period_start is None else "period_end"
            errors.append(rules.RuleError(missing, f"{LABELS[missing]} is missing."))
        return period_start, period_end

    def _after_rows(self) -> None:
        if self._skipped_count:
            lines = ", ".join(map(str, self._skipped_seats)) + (", …" if self._skipped_count > 10 else "")
            seats = "1 seat has" if self._skipped_count == 1 else f"{self._skipped_count} seats have"
            self.warnings.append(f"{seats} no SSI and no activity and imported nothing (line {lines}).")
