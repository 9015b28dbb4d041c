"""What the layers above do when an arrangement's layout changes, without `amenagements`
importing them (it is the bottom domain layer: everything builds on arrangements).

A layer that keeps something derived from an arrangement's geometry registers a function here
when its app is ready (`usage` re-links the counters near the new layout). The services call
`layout_changed` inside the transaction that created the arrangement or opened its new
version, so what the hooks write commits or rolls back with it.

Likewise `adapted` tells the layers above of every adaptation recorded (`participation` tells
the people who follow the arrangement, and invites its earlier raters to judge a new layout),
inside the transaction that recorded it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from amenagements.models import Adaptation, Amenagement

LayoutHook = Callable[["Amenagement"], None]
AdaptationHook = Callable[["Adaptation"], None]

_layout_hooks: list[LayoutHook] = []
_adaptation_hooks: list[AdaptationHook] = []


def on_layout_changed(hook: LayoutHook) -> None:
    """Call `hook(amenagement)` whenever an arrangement gets a new geometry. Registering the
    same function twice (a second `ready()`) keeps one."""
    if hook not in _layout_hooks:
        _layout_hooks.append(hook)


def layout_changed(amenagement: Amenagement) -> None:
    """Tell every registered layer that `amenagement` has a new geometry."""
    for hook in _layout_hooks:
        hook(amenagement)


def on_adapted(hook: AdaptationHook) -> None:
    """Call `hook(adaptation)` whenever an adaptation is recorded (by the services or an
    import; `adaptation.carries_out` tells a planned one). Registering twice keeps one."""
    if hook not in _adaptation_hooks:
        _adaptation_hooks.append(hook)


def adapted(adaptation: Adaptation) -> None:
    """Tell every registered layer that `adaptation` was recorded."""
    for hook in _adaptation_hooks:
        hook(adaptation)
