from django.urls import path, register_converter
from django.urls.converters import StringConverter

from enrollment import ranking_views, views, work_views


class AreaCodeConverter(StringConverter):
    """A Kemendagri code, dotted (33.02.03) or not (330203); the view checks that it exists."""

    regex = r"[0-9][0-9.]*"


class ExportTableConverter(StringConverter):
    regex = "children|categories|candidates|forecast"


class ExportFormatConverter(StringConverter):
    regex = "csv|xlsx"


register_converter(AreaCodeConverter, "area_code")
register_converter(ExportTableConverter, "export_table")
register_converter(ExportFormatConverter, "export_fmt")

app_name = "enrollment"

urlpatterns = [
    path("", views.area_dashboard, name="area_dashboard"),
    path("wilayah/<area_code:code>/", views.area_dashboard, name="area_dashboard"),
    path("desa-sadar/", views.desa_sadar, name="desa_sadar"),
    path("wilayah/<area_code:code>/desa-sadar/", views.desa_sadar, name="desa_sadar"),
    path("ekspor/<export_table:table>.<export_fmt:fmt>", views.area_export, name="area_export"),
    path(
        "wilayah/<area_code:code>/ekspor/<export_table:table>.<export_fmt:fmt>",
        views.area_export,
        name="area_export",
    ),
    path("desa/<area_code:code>/", views.village, name="village"),
    path(
        "desa/<area_code:code>/ekspor/roster.<export_fmt:fmt>",
        views.village_export,
        name="village_export",
    ),
    path("peringkat/", ranking_views.ranking_page, name="ranking"),
    path(
        "peringkat/ekspor.<export_fmt:fmt>",
        ranking_views.ranking_export,
        name="ranking_export",
    ),
    path("daftar-kerja/", work_views.work_list_page, name="work_list"),
    path(
        "daftar-kerja/daftar-telepon.<export_fmt:fmt>",
        work_views.work_list_export,
        name="work_list_export",
    ),
]
