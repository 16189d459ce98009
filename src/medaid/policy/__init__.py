"""Policy engine: policies are data (YAML), evaluated online (``quote``) or compiled to SQL (batch).

Public surface for integrators; internals live in the submodules.
"""

from __future__ import annotations

from medaid.policy.online import Claim, LayerResult, Settlement, YtdState, quote, settle_person_year
from medaid.policy.schema import Policy, load_policy, parse_policy

__all__ = [
    "Claim",
    "LayerResult",
    "Policy",
    "Settlement",
    "YtdState",
    "load_policy",
    "parse_policy",
    "quote",
    "settle_person_year",
]
