"""Identity resolution (人员身份归并): exact ID match, then Splink, then a clerical review queue.

Public surface: ``resolve`` (store → ``person_link``), ``link_records`` (any record frame → persons),
``pairwise_score`` (against ground truth), and the review queue ``pending``/``decide``.
"""

from medaid.linkage.engine import LinkResult, link_records
from medaid.linkage.resolve import ResolveSummary, resolve
from medaid.linkage.review import decide, pending
from medaid.linkage.score import PairScore, pairwise_score

__all__ = ["LinkResult", "PairScore", "ResolveSummary", "decide", "link_records", "pairwise_score", "pending",
           "resolve"]
