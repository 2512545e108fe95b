"""The map and the people: provinces … villages, branch offices, persons and their posts,
roles, and the access log. One module per topic; every model is importable from here."""

from villages.models.access_log import AccessLog
from villages.models.data_version import DataChange, DataVersion
from villages.models.offices import BranchOffice, RegionalOffice
from villages.models.people import (
    CATEGORY_OF_POST,
    SINGLE_HOLDER_POSTS,
    UNIT_SINGLE_HOLDER_POSTS,
    VILLAGE_SINGLE_HOLDER_POSTS,
    Person,
    Post,
    Sex,
)
from villages.models.regions import (
    District,
    DistrictTarget,
    Province,
    Regency,
    RegencyTarget,
    Village,
)
from villages.models.roles import Role, RoleArea

__all__ = [
    "CATEGORY_OF_POST",
    "SINGLE_HOLDER_POSTS",
    "UNIT_SINGLE_HOLDER_POSTS",
    "VILLAGE_SINGLE_HOLDER_POSTS",
    "AccessLog",
    "BranchOffice",
    "DataChange",
    "DataVersion",
    "District",
    "DistrictTarget",
    "Person",
    "Post",
    "Province",
    "Regency",
    "RegencyTarget",
    "RegionalOffice",
    "Role",
    "RoleArea",
    "Sex",
    "Village",
]
