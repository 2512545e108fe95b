"""Coverage reads: figures for any area as of a day, Desa Sadar per village, the trend.

Every function runs a fixed number of queries whatever the number of villages below the
area: one aggregate per distinct minimum-program set in force (usually one), and a few
lookups. Pages, exports and the API all read through here.

Area figures for the national default minimum set are sums over the coverage summary that
database triggers keep in step with every write (`enrollment.summary`); other sets are
computed live from posts and memberships. Reads go to `read_db()` (a replica when configured).
"""

from enrollment.selectors.area import coverage_for_area
from enrollment.selectors.desa_sadar import (
    PAGE_SIZE,
    SORTS,
    STATUS_FILTERS,
    DesaSadarList,
    ListedVillage,
    ListQuery,
    desa_sadar_all,
    desa_sadar_list,
    desa_sadar_stream,
    list_subdivisions,
)
from enrollment.selectors.figures import (
    LAPSING_WINDOW,
    CategoryFigures,
    enrolled_by,
    figures_by_village,
    people_count,
)
from enrollment.selectors.forecast import DECLARED_FAILING_NOW, Forecast, ForecastVillage
from enrollment.selectors.results import AreaCoverage, ChildRow
from enrollment.selectors.standings import (
    CANDIDATE,
    DECLARED_FAILING,
    NEAR,
    NOT_YET,
    RulesInForce,
    VillageStanding,
    rules_in_force,
    standings_in,
)
from enrollment.selectors.trend import VillagesMonth, coverage_trend, villages_enrolled_trend
from enrollment.selectors.village import (
    Eligibility,
    RosterRow,
    VillageCoverage,
    coverage_for_village,
    declaration_eligibility,
)

__all__ = [
    "CANDIDATE",
    "DECLARED_FAILING",
    "DECLARED_FAILING_NOW",
    "LAPSING_WINDOW",
    "NEAR",
    "NOT_YET",
    "PAGE_SIZE",
    "SORTS",
    "STATUS_FILTERS",
    "AreaCoverage",
    "CategoryFigures",
    "ChildRow",
    "Eligibility",
    "DesaSadarList",
    "ListQuery",
    "ListedVillage",
    "Forecast",
    "ForecastVillage",
    "RosterRow",
    "RulesInForce",
    "VillageCoverage",
    "VillageStanding",
    "VillagesMonth",
    "coverage_for_area",
    "coverage_for_village",
    "coverage_trend",
    "declaration_eligibility",
    "desa_sadar_all",
    "desa_sadar_stream",
    "desa_sadar_list",
    "enrolled_by",
    "figures_by_village",
    "list_subdivisions",
    "people_count",
    "rules_in_force",
    "standings_in",
    "villages_enrolled_trend",
]
