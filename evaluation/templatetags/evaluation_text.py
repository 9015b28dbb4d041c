"""`{{ proposal|rationale }}`: a proposal's rationale in the reader's language."""

from __future__ import annotations

from django import template

from evaluation import rationales
from evaluation.models import AdjustmentProposal

register = template.Library()


@register.filter
def rationale(proposal: AdjustmentProposal) -> str:
    return rationales.rationale(proposal)
