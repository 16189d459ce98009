"""免申即享: automatic cases, optimal plans, parallel approvals, payout batches and notices."""
