"""The opinions presenter: everything the opinion regions of a page need — results per
version, the resident's form and own opinion, a page of comments and spots — computed once for
the arrangement page, the map's side panel and the form's own page.

`opinions_context` is what a page that shows an arrangement's opinions includes (the
arrangement page of `pages`); the contribution views rebuild it after a submission.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.http import HttpRequest
from django.urls import reverse

from amenagements.models import Amenagement, AmenagementVersion
from participation.contributions import permissions, selectors
from participation.contributions.forms import ContributionForm, ReportForm
from participation.contributions.selectors import Contributor, ItemsPage, VersionResult
from participation.models import Contribution

PANEL = "panel"  # the map's side panel: the current version's results only
PAGE = "page"  # the arrangement page: every version's results, comments and spots
ALONE = "alone"  # the form's own page (without JavaScript): no map to pin a spot on
PIN_MAPS = {PANEL: "map", PAGE: "history-map", ALONE: ""}


@dataclass
class Opinions:
    """Everything the opinion regions of a page need, computed by the view."""

    amenagement: Amenagement
    version: AmenagementVersion
    contributor: Contributor
    display: str
    results: list[VersionResult]
    can_contribute: bool
    form: ContributionForm | None = None
    own: Contribution | None = None
    items: ItemsPage | None = None
    flash: str = ""
    pin_map: str = "map"

    @property
    def current(self) -> VersionResult:
        return self.results[0]

    @property
    def previous(self) -> VersionResult | None:
        """The version before the current one, when it was rated: to compare before/after."""
        earlier = [r for r in self.results[1:] if r.has_ratings]
        return earlier[0] if earlier else None

    @property
    def login_url(self) -> str:
        return reverse("account_login") + "?next=" + self.amenagement.get_absolute_url()


def _versions(amenagement: Amenagement, display: str) -> list[AmenagementVersion]:
    if display == PANEL:  # only the current and the previous versions are shown
        return list(AmenagementVersion.objects.filter(amenagement=amenagement))
    return list(amenagement.versions.all())  # prefetched by the arrangement page


def build_opinions(
    request: HttpRequest,
    amenagement: Amenagement,
    *,
    display: str = PAGE,
    contributor: Contributor | None = None,
    form: ContributionForm | None = None,
    items_page: object = None,
    with_items: bool = True,
) -> Opinions:
    contributor = contributor or selectors.contributor_for(request.user)
    versions = _versions(amenagement, display)
    version = next(v for v in versions if v.valid_to is None)
    definitions = selectors.perception_definitions(amenagement)
    results = selectors.opinion_results(
        amenagement=amenagement, definitions=definitions, versions=versions
    )
    can = permissions.can_contribute(contributor, amenagement)
    own = None
    if can and contributor.user_id is not None:
        own = selectors.own_contribution(user_id=contributor.user_id, version=version)
        if form is None:
            form = ContributionForm(
                definitions=definitions,
                initial=ContributionForm.initial_for(own, version.number),
                auto_id=f"c-{amenagement.slug}-%s",
            )
    items = None
    if display == PAGE and with_items:
        items = with_report_forms(
            selectors.opinion_items(
                amenagement=amenagement, viewer=contributor, page=items_page or 1
            )
        )
    return Opinions(
        amenagement=amenagement,
        version=version,
        contributor=contributor,
        display=display,
        results=results,
        can_contribute=can,
        form=form,
        own=own,
        items=items,
        pin_map=PIN_MAPS[display],
    )


def with_report_forms(items: ItemsPage) -> ItemsPage:
    """The page with a report form on each item the viewer may report (not twice)."""
    return replace(
        items,
        items=[
            replace(item, report_form=ReportForm(prefix=f"report-{item.pk}"))
            if item.can_report
            else item
            for item in items.items
        ],
    )


def opinions_context(
    request: HttpRequest, amenagement: Amenagement, *, compact: bool = False
) -> dict[str, Opinions]:
    """The `opinions` the arrangement page (or, `compact`, the map's side panel) includes."""
    display = PANEL if compact else PAGE
    return {
        "opinions": build_opinions(
            request, amenagement, display=display, items_page=request.GET.get("avis")
        )
    }
