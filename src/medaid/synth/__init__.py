"""Synthetic county (合成县) in data contract v1 with ground truth and injected data faults.

``generate_county(out, people=…, year=…, seed=…)`` writes the ten department files and a
``truth/`` folder that loaders never read; see docs/synthetic-county.md.
"""

from medaid.synth.county import SynthSummary, generate_county
from medaid.synth.tables import COLUMNS, KINDS

__all__ = ["COLUMNS", "KINDS", "SynthSummary", "generate_county"]
