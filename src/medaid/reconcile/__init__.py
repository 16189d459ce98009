"""Enrolment reconciliation rounds (参保核查"三步走"): detect, compare rounds, township lists, feedback.

Public surface: ``run_round``, ``export_problems``, ``write_worklists``, ``import_feedback``,
``problem_history`` and the ``Problem`` codes of DESIGN.md §4.
"""

from medaid.reconcile.export import export_problems
from medaid.reconcile.problems import Problem
from medaid.reconcile.rounds import RoundSummary, run_round
from medaid.reconcile.worklists import FeedbackReport, import_feedback, problem_history, write_worklists

__all__ = ["FeedbackReport", "Problem", "RoundSummary", "export_problems", "import_feedback",
           "problem_history", "run_round", "write_worklists"]
