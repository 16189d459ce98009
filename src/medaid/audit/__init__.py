"""Append-only, hash-chained audit log (审计日志) and the sensitive-read log (敏感信息查阅记录)."""

from medaid.audit.log import Event, VerifyReport, append_event, append_events, record_sensitive_read, verify

__all__ = ["Event", "VerifyReport", "append_event", "append_events", "record_sensitive_read", "verify"]
