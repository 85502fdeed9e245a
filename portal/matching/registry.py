"""The step registry: matching steps are plain callables registered by name.

A step gets the reference sample, the ordinary samples still in the running and its
parameters (defaults merged with what managers set). A *filter* returns the samples
that survive; a *scorer* returns ``{sample_id: score}`` with scores in 0..1 (higher is
better; a missing sample scores 0), which the pipeline multiplies by the step's weight.

    @score_step("punctual", _l("Punctual"), _l("Prefers ..."),
                params={"scale": Param(_l("Scale"), 5, 1, 100, _l("..."))})
    def punctual(reference, samples, params): ...
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

from portal.errors import DomainError
from portal.i18n import lazy_gettext as _l
from portal.matching.samples import OrdinarySample, ReferenceSample

FILTER = "filter"
SCORE = "score"

StepFunction = Callable[[ReferenceSample, list[OrdinarySample], dict], object]


@dataclass(frozen=True)
class Param:
    """A tunable number of a step, with the range the editor accepts."""

    label: str
    default: float
    minimum: float
    maximum: float
    help: str = ""


@dataclass(frozen=True)
class Step:
    name: str
    kind: Literal["filter", "score"]
    function: StepFunction
    label: str
    description: str
    params: dict[str, Param] = field(default_factory=dict)
    # A rule the business never bends (no double booking, never the worker who failed
    # this client): managers may move it but not switch it off or remove it.
    required: bool = False

    def effective_params(self, stored: dict | None) -> dict:
        """The step's defaults overlaid with what managers set (unknown keys ignored)."""
        stored = stored or {}
        return {name: stored.get(name, p.default) for name, p in self.params.items()}

    def validate_params(self, values: dict) -> dict:
        """Refuse anything but known numbers within range; returns the cleaned values."""
        cleaned = {}
        for name, value in values.items():
            param = self.params.get(name)
            if param is None:
                raise DomainError(_l("The step %(step)s has no parameter %(param)s.",
                                     step=self.name, param=name), field=name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise DomainError(_l("Enter a number."), field=name)
            if not param.minimum <= value <= param.maximum:
                raise DomainError(_l("Enter a number from %(min)s to %(max)s.",
                                     min=param.minimum, max=param.maximum), field=name)
            cleaned[name] = value
        return cleaned


_REGISTRY: dict[str, Step] = {}


def _register(kind: str, name: str, label, description, params=None, required=False):
    def decorate(function: StepFunction) -> StepFunction:
        if name in _REGISTRY:
            raise ValueError(f"matching step {name!r} is registered twice")
        _REGISTRY[name] = Step(name, kind, function, label, description, dict(params or {}), required)
        return function

    return decorate


def filter_step(name: str, label, description, params=None, required=False):
    """Register a step that drops ordinary samples: returns the survivors."""
    return _register(FILTER, name, label, description, params, required)


def score_step(name: str, label, description, params=None):
    """Register a step that scores ordinary samples: returns ``{sample_id: 0..1}``."""
    return _register(SCORE, name, label, description, params)


def get_step(name: str) -> Step | None:
    return _REGISTRY.get(name)


def registered_steps() -> list[Step]:
    """Every step managers can put in a pipeline, by name."""
    return [_REGISTRY[name] for name in sorted(_REGISTRY)]
