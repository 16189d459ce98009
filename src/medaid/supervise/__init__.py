"""智慧监管: read-only views for supervisors (纪委监委) over cases, payouts and funds."""
