"""Department file loading (数据接入): contract v1 specs, readers, vectorised validation, bulk writes.

Entry points: ``medaid.ingest.service.load_path`` and ``medaid.ingest.rejects.export_rejects``.
"""
