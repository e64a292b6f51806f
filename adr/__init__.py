"""Architecture decision records: lifecycle, Markdown (MADR, Nygard) parse and render."""

from adr.folder import FolderImport, parse_folder, read_folder
from adr.lifecycle import (
    OPEN_STATUSES,
    TRANSITIONS,
    allowed_transitions,
    transition_allowed,
)
from adr.markdown import ParsedAdr, file_name_for, parse_adr, parse_date, render_madr
from adr.records import (
    LINK_FIELDS,
    LINK_INVERSES,
    AdrDoc,
    AffectDoc,
    AlternativeDoc,
    ImportWarning,
    adr_label,
    adr_slug,
)

__all__ = [
    "LINK_FIELDS",
    "LINK_INVERSES",
    "OPEN_STATUSES",
    "TRANSITIONS",
    "AdrDoc",
    "AffectDoc",
    "AlternativeDoc",
    "FolderImport",
    "ImportWarning",
    "ParsedAdr",
    "adr_label",
    "adr_slug",
    "allowed_transitions",
    "file_name_for",
    "parse_adr",
    "parse_date",
    "parse_folder",
    "read_folder",
    "render_madr",
    "transition_allowed",
]
