"""Personal-data protection (隐私保护): keyed tokens for joins and an encrypted vault for ID numbers.

Nothing outside this package sees the secret key. ``id_token`` is what tables join on; the raw
ID number is stored only AES-GCM-encrypted in ``identity`` and read back through ``vault.reveal``,
which callers must audit-log (``medaid.audit.log.record_sensitive_read``).
"""
