"""The risk register and its likelihood x impact grid."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from benchmarks.models import (
    OperationalOutput,
    Risk,
)
from benchmarks.selectors.scope import _scoped
from mandate import access
from missions.models import Mission


@dataclass
class RiskRegister:
    risks: list[Risk]  # active risks of active outputs, highest score first; `.output` and `.owner` loaded
    heat: dict[tuple[int, int], int]  # (likelihood, impact) -> number of risks

    def by_output(self) -> list[tuple[OperationalOutput, list[Risk]]]:
        groups: dict[int, tuple[OperationalOutput, list[Risk]]] = {}
        for risk in sorted(self.risks, key=lambda r: (r.output.order, r.output_id)):
            groups.setdefault(risk.output_id, (risk.output, []))[1].append(risk)
        return list(groups.values())


def risk_register(mission: Mission, user, *, output: OperationalOutput | None = None) -> RiskRegister:
    """The mission's (or one output's) active risks and challenges with their likelihood x impact grid. One query."""
    queryset = Risk.objects.filter(output__mission=mission, retired_at__isnull=True, output__retired_at__isnull=True)
    if output is not None:
        queryset = queryset.filter(output=output)
    risks = list(
        _scoped(user, queryset)
        .select_related("output", "owner", "location")
        .order_by("-likelihood", "-impact", "output__order", "order", "id")
    )
    heat: dict[tuple[int, int], int] = defaultdict(int)
    for risk in risks:
        heat[(risk.likelihood, risk.impact)] += 1
        risk.can_edit = access.can(user, access.Action.EDIT, risk)
    return RiskRegister(risks=risks, heat=dict(heat))
