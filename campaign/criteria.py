"""What the campaign's records say for the Desa Sadar criteria of a village on a day, as SQL
expressions: the same expressions feed the village page (read into `VillageFacts`) and the
lists and dashboards (counted in SQL), so both judge alike.

- **Perisai agent present:** an active agent serving the village on the day
  (`agents_serving_q`): the name of the first by code, None when there is none.
- **Residents enrolled on their own:** the village's old figure
  (`Village.self_enrolled_residents`) counts the residents up to its date
  (`self_enrolled_updated_on`); registrations (every channel) dated after that date up to the
  day are added. Without an old figure, the registrations up to the day alone; None when
  there is neither (the criterion then fails as "not recorded"). An old figure dated after
  the day is taken as it is: it cannot be split.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django.db.models import (
    Case,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, NullIf
from django.db.models.lookups import GreaterThan

from campaign.models import PerisaiAgent, Registration, agents_serving_q

# A day, or the outer row's own (`OuterRef("day")` on the kept day's rows).
Day = dt.date | OuterRef

# Before any registration: an old figure without a date (none exist: a constraint) counts all.
_BEGINNING = dt.date(1, 1, 1)


def _serving(day: Day, to_village: str):
    """The links agent ↔ village of agents serving the outer row's village on `day`, probed
    by the link table's village index."""
    links = PerisaiAgent.villages.through.objects.filter(
        village_id=OuterRef(f"{to_village}code" if to_village else "code"),
    )
    return links.filter(agents_serving_q(cast(Any, day), "perisaiagent__"))


def perisai_agent_present(day: Day, to_village: str = "") -> Exists:
    """SQL: whether an agent serves the village (at `to_village`, e.g. "village__") on `day`."""
    return Exists(_serving(day, to_village))


def perisai_agent_on(day: Day, to_village: str = "") -> Subquery:
    """SQL: the name of the first agent (by code) serving the village on `day`, else NULL."""
    first = _serving(day, to_village).order_by("perisaiagent__code")
    return Subquery(first.values("perisaiagent__name")[:1])


def self_enrolled_on(day: Day, to_village: str = "") -> Case:
    """SQL: residents of the village enrolled on their own by `day` (see the module's
    docstring), NULL when nothing is recorded.

    Read from the kept totals (`VillageSelfEnrolled`, `campaign.self_enrolled`): the
    registrations after the old figure's day, less those dated after max(`day`, that day).
    That sum is only read when the village's latest registration is after that bound: for
    today, never (a join, no probe); for a past day only the rows after it. Without an old
    figure, nothing registered by the day (every registration counts at least 1) is NULL, as
    the sum of no rows was."""
    # The day and the old figure's day, outside (`outer_*`) and inside the subquery.
    outer_day = F(day.name) if isinstance(day, OuterRef) else Value(day, DateField())
    updated_on = f"{to_village}self_enrolled_updated_on"
    outer_since = Coalesce(F(updated_on), Value(_BEGINNING), output_field=DateField())
    since = Coalesce(OuterRef(updated_on), Value(_BEGINNING), output_field=DateField())
    village = OuterRef(f"{to_village}code" if to_village else "code")
    later = Registration.objects.filter(village_id=village, date__gt=day).filter(date__gt=since)
    later_sum = Subquery(
        later.order_by().values("village_id").annotate(n=Sum("count")).values("n"),
        output_field=IntegerField(),
    )
    total = f"{to_village}self_enrolled_total__"
    bound = Greatest(outer_day, outer_since, output_field=DateField())
    after = Case(
        When(GreaterThan(F(f"{total}last_date"), bound), then=Coalesce(later_sum, 0)),
        default=0,
        output_field=IntegerField(),
    )
    kept = Coalesce(F(f"{total}since_figure"), 0, output_field=IntegerField())
    by_day = ExpressionWrapper(kept - after, output_field=IntegerField())
    old = f"{to_village}self_enrolled_residents"
    return Case(
        When(Q(**{f"{old}__isnull": False}), then=F(old) + by_day),
        default=NullIf(by_day, 0),
        output_field=IntegerField(),
    )
