"""The roster file's columns and one parser per column, as the roster import contract lists them.

A parser takes a raw cell (text from a CSV; text, a number, a date or None from an XLSX) and
returns the value to store, or raises `CellError` saying what was expected. It never repairs
a value: what it cannot read exactly is an error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache, partial

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.text import get_text_list
from django.utils.translation import gettext_lazy as _

from enrollment.exports import FORMULA_PREFIXES
from enrollment.imports.cells import Cell, CellError, cell_text, display, is_number
from enrollment.imports.dates import parse_date, parse_date_or_month
from villages.categories import POSTS
from villages.nik import parse_nik, validate_nik


@dataclass(frozen=True)
class MaskedNik:
    """A NIK as an export shows it without full-identifier permission: 330218******0001."""

    prefix: str
    suffix: str

    def __str__(self) -> str:
        return f"{self.prefix}******{self.suffix}"

    def matches(self, nik: str) -> bool:
        return len(nik) == 16 and nik.startswith(self.prefix) and nik.endswith(self.suffix)


@dataclass(frozen=True)
class MaskedKpj:
    """A KPJ number with all but its last digits hidden: *******5678."""

    hidden: int
    suffix: str

    def __str__(self) -> str:
        return "*" * self.hidden + self.suffix

    def matches(self, kpj: str) -> bool:
        return len(kpj) == self.hidden + len(self.suffix) and kpj.endswith(self.suffix)


@dataclass(frozen=True)
class NikValue:
    """A valid NIK and what it says about its holder."""

    nik: str
    birth_date: dt.date
    sex: str


# --- Village, NIK, name, sex ------------------------------------------------------------------

_VILLAGE_RE = re.compile(r"(\d{2})\.?(\d{2})\.?(\d{2})\.?(\d{4})")


def parse_village_code(raw: Cell) -> str:
    text = display(raw).strip() if is_number(raw) else cell_text(raw)
    match = _VILLAGE_RE.fullmatch(text)
    if not match or ("." in text and text.count(".") != 3):
        raise CellError(_("a village code such as 33.02.18.2001 or 3302182001"))
    return ".".join(match.groups())


_MASKED_NIK_RE = re.compile(r"(\d{6})\*{6}(\d{4})")
_NIK_IGNORED = str.maketrans("", "", " .\u00a0")


def parse_nik_cell(raw: Cell) -> NikValue | MaskedNik:
    if is_number(raw):
        raise CellError(
            _(
                "16 digits stored as text: this cell holds a number, and Excel keeps only "
                "15 significant digits"
            )
        )
    text = cell_text(raw)
    if not text:
        raise CellError(_("a value (this column is required)"))
    if "e+" in text.lower() or "e-" in text.lower():
        raise CellError(
            _(
                "16 digits; this looks like a number in scientific notation, so digits "
                "are lost: format the column as text and type the NIK again"
            )
        )
    digits = text.removeprefix("'").translate(_NIK_IGNORED)
    masked = _MASKED_NIK_RE.fullmatch(digits)
    if masked:
        return MaskedNik(*masked.groups())
    facts = parse_nik(digits)
    if facts is not None:
        return NikValue(nik=digits, birth_date=facts.birth_date, sex=facts.sex)
    try:
        validate_nik(digits)
    except ValidationError as error:
        raise CellError(" ".join(error.messages)) from None
    raise CellError(_("a valid NIK"))  # pragma: no cover - parse_nik and validate_nik agree


_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc


def _clean_text(raw: Cell, max_length: int, what: Promise) -> str:
    if is_number(raw):
        raise CellError(_("%(what)s stored as text, not a number cell") % {"what": what})
    text = " ".join(cell_text(raw).split())  # no leading tab or CR is left to refuse
    if _CONTROL_RE.search(text):
        raise CellError(_("%(what)s without control characters") % {"what": what})
    if text.startswith(FORMULA_PREFIXES):
        raise CellError(_("%(what)s not starting with =, +, - or @") % {"what": what})
    if len(text) > max_length:
        raise CellError(
            _("%(what)s of at most %(max)d characters (found %(length)d)")
            % {"what": what, "max": max_length, "length": len(text)}
        )
    return text


def parse_name(raw: Cell) -> str:
    name = _clean_text(raw, 150, _("a name"))
    if not name:
        raise CellError(_("a value (this column is required)"))
    if not any(c.isalpha() for c in name):
        raise CellError(_("a name with letters"))
    return name


_SEX = {
    "l": "L",
    "laki-laki": "L",
    "laki laki": "L",
    "lakilaki": "L",
    "m": "L",
    "p": "P",
    "perempuan": "P",
    "f": "P",
}


def parse_sex(raw: Cell) -> str:
    text = " ".join(cell_text(raw).casefold().split())
    if not text:
        return ""
    if text in _SEX:
        return _SEX[text]
    raise CellError(_("L, P, Laki-laki, Perempuan, M or F"))


# --- Post and unit ----------------------------------------------------------------------------

# The names the import accepts for each post besides its code, the first being the one it
# writes: the registry of categories and posts (villages.categories) is the one list of them.
POST_LABELS: dict[str, tuple[str, ...]] = {post.code: post.names for post in POSTS}


def post_label(code: str) -> str:
    """The name the import writes for a post (an export, a message)."""
    return POST_LABELS[code][0]


def _post_key(text: str) -> str:
    return " ".join(text.replace("_", " ").casefold().split())


_POSTS = {_post_key(name): code for code, labels in POST_LABELS.items() for name in (code, *labels)}


def parse_post(raw: Cell) -> str:
    text = cell_text(raw)
    if not text:
        raise CellError(_("a value (this column is required)"))
    code = _POSTS.get(_post_key(text))
    if code is None:
        raise CellError(
            _("a post code such as KEPALA_DESA or its label such as Kepala Desa (see the template)")
        )
    return code


def parse_unit(raw: Cell) -> str:
    return _clean_text(raw, 100, _("a unit"))


# --- Coverage ---------------------------------------------------------------------------------

_MASKED_KPJ_RE = re.compile(r"(\*+)(\d{0,4})")


def parse_kpj(raw: Cell) -> str | MaskedKpj:
    if is_number(raw):
        raise CellError(_("digits stored as text, not a number cell"))
    text = cell_text(raw).removeprefix("'")
    if not text:
        return ""
    masked = _MASKED_KPJ_RE.fullmatch(text)
    if masked:
        return MaskedKpj(hidden=len(masked.group(1)), suffix=masked.group(2))
    if not (text.isascii() and text.isdigit()):
        raise CellError(_("digits only"))
    if len(text) > 20:
        raise CellError(_("at most 20 digits (found %(count)d)") % {"count": len(text)})
    return text


_CATEGORIES = {"pu": "PU", "bpu": "BPU", "penerima upah": "PU", "bukan penerima upah": "BPU"}


def parse_category(raw: Cell) -> str:
    text = " ".join(cell_text(raw).casefold().split())
    if not text:
        return ""
    if text in _CATEGORIES:
        return _CATEGORIES[text]
    raise CellError(_("PU or BPU"))


_PROGRAM_SPLIT_RE = re.compile(r"[,;/\s]+")


@lru_cache(maxsize=1024)
def _programs(text: str, known: tuple[str, ...]) -> tuple[str, ...]:
    found = [part.upper() for part in _PROGRAM_SPLIT_RE.split(text) if part]
    unknown = [part for part in found if part not in known]
    if unknown:
        raise CellError(
            _("programs among %(known)s separated by , ; / or spaces (unknown: %(unknown)s)")
            % {"known": get_text_list(list(known), _("and")), "unknown": ", ".join(unknown)}
        )
    return tuple(code for code in known if code in found)


def parse_programs(raw: Cell, known: tuple[str, ...]) -> tuple[str, ...]:
    """The codes among `known` (the programs in the database, in their order) that a cell
    names, in that order."""
    if is_number(raw):
        raise CellError(_("program codes such as JKK, JKM, JHT"))
    return _programs(cell_text(raw), known)


_FUNDING = {
    **dict.fromkeys(
        ["apbdes", "apbdesa", "apb desa", "dana desa", "dd", "add", "alokasi dana desa"], "APBDES"
    ),
    **dict.fromkeys(["apbd", "apbd kabupaten", "apbd kab", "apbd kota"], "APBD"),
    **dict.fromkeys(["mandiri"], "MANDIRI"),
    **dict.fromkeys(["lainnya", "csr"], "LAINNYA"),
}


def parse_funding(raw: Cell) -> str:
    text = " ".join(cell_text(raw).casefold().replace(".", "").split())
    if not text:
        return ""
    if text in _FUNDING:
        return _FUNDING[text]
    raise CellError(_("APBDES, APBD, MANDIRI or LAINNYA (Dana Desa and ADD mean APBDES)"))


# --- The columns ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of the roster file: its Indonesian name, English alias and parser. `key`
    names the value in a parsed row; a coverage column's is its Coverage field."""

    key: str
    name: str
    alias: str
    required: bool
    parse: Callable[..., object]  # a cell, and for the programs column the known programs
    accepts: Promise  # for the template's notes

    def parser(self, programs: tuple[str, ...]) -> Callable[[Cell], object]:
        """The column's parser; the programs column's takes the codes of the programs in the
        database (`programs`, read once per import)."""
        if self.parse is parse_programs:
            return partial(parse_programs, known=programs)
        return self.parse


COLUMNS: tuple[Column, ...] = (
    Column("village", "kode_desa", "village_code", True, parse_village_code,
           _("Kemendagri village code: 33.02.18.2001 or 3302182001")),
    Column("nik", "nik", "nik", True, parse_nik_cell,
           _("16 digits, stored as text")),
    Column("name", "nama", "name", True, parse_name, _("full name")),
    Column("sex", "jenis_kelamin", "sex", False, parse_sex,
           _("L, P, Laki-laki, Perempuan, M, F")),
    Column("post", "jabatan", "post", True, parse_post,
           _("a post code or its Indonesian label (sheet 2)")),
    Column("unit", "unit", "unit", False, parse_unit,
           _("RT/RW or hamlet, e.g. RT 003 / RW 001")),
    Column("term_start", "mulai_menjabat", "term_start", False, parse_date, _("a date")),
    Column("term_end", "akhir_menjabat", "term_end", False, parse_date,
           _("a date; a past date ends the post")),
    Column("kpj_number", "nomor_kpj", "kpj_number", False, parse_kpj, _("digits, stored as text")),
    Column("participant_category", "kategori_peserta", "participant_category", False,
           parse_category, _("PU or BPU")),
    Column("programs", "program", "programs", False, parse_programs,
           _("%(programs)s separated by , ; / or spaces; empty = not enrolled")),
    Column("enrolled_on", "tanggal_daftar", "enrolled_on", False, parse_date, _("a date")),
    Column("paid_until", "iuran_sampai", "paid_until", False, parse_date_or_month,
           _("a date, or a month meaning its last day")),
    Column("funding_source", "sumber_iuran", "funding_source", False, parse_funding,
           _("APBDES, APBD, MANDIRI, LAINNYA")),
)  # fmt: skip
HEADER = [column.name for column in COLUMNS]
