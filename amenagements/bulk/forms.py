"""The staff form of the bulk adaptations import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from common.forms import Form


class AdaptationsImportForm(Form):
    file = forms.FileField(
        label=_("File of adaptations"),
        help_text=_(
            "CSV with the columns amenagement (number or slug), date, type, and optionally "
            "description, geometrie (WKT) and statut; or a GeoJSON whose features carry the same "
            "properties and the new layout."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: show what the import would do, record nothing"),
        required=False,
        initial=True,
    )

    def file_bytes(self) -> bytes:
        upload: Any = self.cleaned_data["file"]
        upload.seek(0)
        return bytes(upload.read())
