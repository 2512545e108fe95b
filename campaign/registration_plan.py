"""The meaning of a registrations import, row by row, worked out in memory against the stored
registrations: what would be created, updated or left alone, and every error and warning.

A row is identified by (date, village, channel, agent). Each row is checked first and joins the
plan only when it has no error, so a rejected row leaves no trace in what the others do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from campaign.models import Channel, PerisaiAgent, Registration
from campaign.registration_columns import Header, RegistrationRow, map_header, parse_row
from enrollment.imports.limits import refuse_past_the_limit
from enrollment.imports.plan import Counts, RowWarning, listed
from enrollment.imports.planner import Progress
from enrollment.imports.reader import Table, is_blank
from enrollment.imports.rows import RowError
from villages.access import Scope
from villages.batches import chunks
from villages.models import Village

# (date, village code, channel, agent id or None): what identifies a registration.
Key = tuple[dt.date, str, str, int | None]
LOOKUP_BATCH = 500  # villages per query of the stored registrations
# A background job's progress is told every so many rows read (enrollment's planner's chunk).
PROGRESS_EVERY = 5000


@dataclass(frozen=True, slots=True)
class Agent:
    id: int
    code: str
    regency: str
    active: bool
    active_from: dt.date
    active_until: dt.date | None

    def serves_on(self, day: dt.date) -> bool:
        return (
            self.active
            and self.active_from <= day
            and (self.active_until is None or day <= self.active_until)
        )


@dataclass(slots=True)
class Planned:
    """A valid row as it will be written: `id` of the stored registration it replaces (None:
    created), with the stored figures (`was`) it was planned from."""

    number: int
    key: Key
    count: int
    contributions: int | None  # None: not given (0 for a new registration, else the stored)
    id: int | None = None
    was: tuple[int, int] | None = None

    @property
    def changed(self) -> bool:
        return self.was != (self.count, self.contributions)


@dataclass
class RegistrationPlan:
    """Everything an import would do."""

    today: dt.date
    counts: Counts = field(default_factory=Counts)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)
    invalid_rows: set[int] = field(default_factory=set)
    rows: list[Planned] = field(default_factory=list)

    def reject(self, number: int, errors: list[RowError]) -> None:
        self.invalid_rows.add(number)
        self.counts.invalid += 1
        self.errors.extend(errors)

    def created(self) -> Iterator[Planned]:
        return (row for row in self.rows if row.id is None)

    def updated(self) -> Iterator[Planned]:
        return (row for row in self.rows if row.id is not None and row.changed)


def plan_registrations(
    table: Table, *, scope: Scope, today: dt.date, progress: Progress | None = None
) -> RegistrationPlan:
    """The plan of importing `table` for a user with `scope`; FileRefused for file errors.
    `progress` is told how many rows are read, every PROGRESS_EVERY rows, and once more when
    they are all checked."""
    header = map_header(table.header)
    plan = RegistrationPlan(today=today)
    if header.unknown:
        plan.warnings.append(
            RowWarning(0, _("Unknown columns are ignored: %(columns)s.")
            % {"columns": listed(header.unknown, len(header.unknown))})
        )  # fmt: skip
    parsed: list[RegistrationRow] = []
    cache: dict[Any, Any] = {}
    for number, cells in table.rows():
        if is_blank(cells):
            continue
        plan.counts.rows += 1
        refuse_past_the_limit(plan.counts.rows)
        row, errors = parse_row(number, cells, header, cache)
        if row is None:
            plan.reject(number, errors)
        else:
            parsed.append(row)
        if progress is not None and plan.counts.rows % PROGRESS_EVERY == 0:
            progress(plan.counts.rows)
    checker = _Checker(plan, header, scope, parsed)
    checker.run(parsed)
    checker.warnings()
    plan.errors.sort(key=lambda error: error.row)
    plan.warnings.sort(key=lambda warning: warning.row)
    _match_stored(plan)
    if progress is not None:
        progress(plan.counts.rows)
    return plan


class _Checker:
    """The checks of a row against the database and the rows before it."""

    def __init__(
        self, plan: RegistrationPlan, header: Header, scope: Scope, rows: list[RegistrationRow]
    ):
        self.plan, self.header, self.scope = plan, header, scope
        codes = {row.village for row in rows}
        self.villages = {
            code
            for batch in chunks(sorted(codes), LOOKUP_BATCH)
            for code in Village.objects.filter(code__in=batch).values_list("code", flat=True)
        }
        self.agents = _agents({row.agent for row in rows if row.agent})
        served = PerisaiAgent.villages.through.objects.filter(
            perisaiagent_id__in=[agent.id for agent in self.agents.values()]
        )
        self.served = set(served.values_list("perisaiagent_id", "village_id"))
        self.seen: dict[Key, int] = {}
        # Rows whose agent was off duty on the day, by agent; rows whose agent does not serve
        # the village, by (agent, village): one warning each, not one per row.
        self.off_duty: dict[str, list[int]] = {}
        self.elsewhere: dict[tuple[str, str], list[int]] = {}

    def run(self, rows: list[RegistrationRow]) -> None:
        for row in rows:
            agent = self.agents.get(row.agent)
            errors = self._errors(row, agent)
            key = (row.date, row.village, row.channel, agent.id if agent else None)
            if not errors and key in self.seen:
                errors.append(self._duplicate(row, self.seen[key]))
            if errors:
                self.plan.reject(row.number, errors)
                continue
            self.seen[key] = row.number
            self.plan.rows.append(Planned(row.number, key, row.count, row.contributions))
            if agent is not None:
                self._warn(row, agent)

    def _error(self, row: RegistrationRow, key: str, found: object, expected: str) -> RowError:
        if isinstance(found, dt.date):
            found = found.strftime("%d/%m/%Y")
        return RowError(row.number, self.header.label(key), str(found), expected)

    def _errors(self, row: RegistrationRow, agent: Agent | None) -> list[RowError]:
        errors = []
        if row.date > self.plan.today:
            today = self.plan.today.strftime("%d/%m/%Y")
            expected = _("a date not after today (%(today)s): registrations are counted once "
                         "they happen") % {"today": today}  # fmt: skip
            errors.append(self._error(row, "date", row.date, expected))
        village_ok = row.village in self.villages and self.scope.covers(row.village)
        if row.village not in self.villages:
            expected = _("a village code that exists in the Kemendagri list")
            errors.append(self._error(row, "village", row.village, expected))
        elif not village_ok:
            expected = _("a village in your area: village %(code)s is outside your area") % {
                "code": row.village
            }
            errors.append(self._error(row, "village", row.village, expected))
        errors += self._agent_errors(row, agent, village_ok)
        return errors

    def _agent_errors(
        self, row: RegistrationRow, agent: Agent | None, village_ok: bool
    ) -> list[RowError]:
        if row.channel != Channel.PERISAI:
            if not row.agent:
                return []
            expected = _("an empty cell: only PERISAI rows name an agent (the channel is "
                         "%(channel)s)") % {"channel": row.channel}  # fmt: skip
            return [self._error(row, "agent", row.agent, expected)]
        if not row.agent:
            expected = _("the code of the Perisai agent who registered them (the channel is "
                         "PERISAI)")  # fmt: skip
            return [self._error(row, "agent", "", expected)]
        if agent is None:
            expected = _("an agent code known to the product: no agent has the code %(code)s") % {
                "code": row.agent
            }
            return [self._error(row, "agent", row.agent, expected)]
        regency = row.village[:5]
        if village_ok and agent.regency != regency:
            expected = _("an agent of the village's regency %(regency)s: agent %(code)s belongs "
                         "to regency %(other)s") % {"regency": regency, "code": agent.code,
                                                     "other": agent.regency}  # fmt: skip
            return [self._error(row, "agent", row.agent, expected)]
        return []

    def _duplicate(self, row: RegistrationRow, first: int) -> RowError:
        parts = [row.date.strftime("%d/%m/%Y"), row.village, row.channel, row.agent]
        found = " ".join(part for part in parts if part)
        expected = _("one row per date, village, channel and agent: row %(row)d has the same "
                     "(the file names this registration twice)") % {"row": first}  # fmt: skip
        return RowError(row.number, self.header.label("date"), found, expected)

    def _warn(self, row: RegistrationRow, agent: Agent) -> None:
        if not agent.serves_on(row.date):
            self.off_duty.setdefault(agent.code, []).append(row.number)
        elif (agent.id, row.village) not in self.served:
            self.elsewhere.setdefault((agent.code, row.village), []).append(row.number)

    def warnings(self) -> None:
        """One warning per agent off duty and per agent and village it does not serve, at the
        first row naming them."""
        for code, numbers in self.off_duty.items():
            message = _(
                "Agent %(code)s was not at work on the dates of %(count)d rows (inactive, "
                "or outside the dates it serves): rows %(rows)s. They are imported."
            )
            self._warning(numbers, message % {"code": code, "count": len(numbers),
                                              "rows": _rows(numbers)})  # fmt: skip
        for (code, village), numbers in self.elsewhere.items():
            message = _(
                "Agent %(code)s does not serve village %(village)s (%(count)d rows: "
                "%(rows)s). They are imported."
            )
            values = {"code": code, "village": village, "count": len(numbers),
                      "rows": _rows(numbers)}  # fmt: skip
            self._warning(numbers, message % values)

    def _warning(self, numbers: list[int], message: str) -> None:
        self.plan.warnings.append(RowWarning(numbers[0], message))


def _rows(numbers: list[int]) -> str:
    return listed([str(number) for number in numbers], len(numbers))


def _agents(codes: Iterable[str]) -> dict[str, Agent]:
    fields = ("id", "code", "regency_id", "active", "active_from", "active_until")
    return {
        values[1]: Agent(*values)
        for batch in chunks(sorted(codes), LOOKUP_BATCH)
        for values in PerisaiAgent.objects.filter(code__in=batch).values_list(*fields)
    }


def _match_stored(plan: RegistrationPlan) -> None:
    """Give each planned row the stored registration with its key (a row without
    contributions keeps the stored ones; a new one has 0), and count them."""
    stored = _stored(plan.rows) if plan.rows else {}
    for row in plan.rows:
        found = stored.get(row.key)
        if found is not None:
            row.id, row.was = found[0], (found[1], found[2])
        if row.contributions is None:
            row.contributions = found[2] if found is not None else 0
        if row.id is None:
            plan.counts.created += 1
        elif row.changed:
            plan.counts.updated += 1
        else:
            plan.counts.unchanged += 1


def _stored(rows: list[Planned]) -> dict[Key, tuple[int, int, int]]:
    """The stored registrations of the file's villages between its first and last day."""
    first = min(row.key[0] for row in rows)
    last = max(row.key[0] for row in rows)
    villages = sorted({row.key[1] for row in rows})
    stored: dict[Key, tuple[int, int, int]] = {}
    fields = ("date", "village_id", "channel", "agent_id", "id", "count", "contributions")
    for batch in chunks(villages, LOOKUP_BATCH):
        found = Registration.objects.filter(village_id__in=batch, date__range=(first, last))
        for day, village, channel, agent, pk, count, contributions in found.values_list(*fields):
            stored[(day, village, channel, agent)] = (pk, count, contributions)
    return stored
