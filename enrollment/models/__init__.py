"""Coverage: programs and memberships, Desa Sadar rule sets and declarations, snapshots,
imports, and the figures the triggers keep. One module per topic; every model is importable
from here."""

from enrollment.models.desa_sadar import Declaration, RuleSet
from enrollment.models.figures import (
    DAY_CATEGORIES,
    DAY_COLUMNS,
    DAY_FIGURE_COLUMNS,
    DAY_FIGURES,
    DAY_FORECAST_COLUMNS,
    CoverageDay,
    CoverageSummary,
    SharedHolderPost,
    VillageDay,
)
from enrollment.models.imports import ImportRecord
from enrollment.models.programs import (
    ARREARS_WINDOW,
    Membership,
    Program,
    State,
    arrears_since,
    state_of,
    state_q,
)
from enrollment.models.snapshots import AreaSnapshot, AreaVillagesSnapshot, CoverageSnapshot

__all__ = [
    "ARREARS_WINDOW",
    "DAY_CATEGORIES",
    "DAY_COLUMNS",
    "DAY_FIGURES",
    "DAY_FIGURE_COLUMNS",
    "DAY_FORECAST_COLUMNS",
    "AreaSnapshot",
    "AreaVillagesSnapshot",
    "CoverageDay",
    "CoverageSnapshot",
    "CoverageSummary",
    "Declaration",
    "ImportRecord",
    "Membership",
    "Program",
    "RuleSet",
    "SharedHolderPost",
    "State",
    "VillageDay",
    "arrears_since",
    "state_of",
    "state_q",
]
