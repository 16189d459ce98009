"""Precise identification, early warning and dynamic management (精准识别、预警、动态管理; seed 000).

Entry points: ``service.identify_year`` (rules + model per household), ``model.train``,
``warnings.raise_warnings``, ``screening.run_screening``, ``manage`` (review cycles and deadlines).
"""
