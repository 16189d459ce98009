"""medaid — medical assistance platform for county and city medical security bureaus (医保局).

The public Python surface is deliberately small; see ``medaid.api`` for HTTP and ``medaid.cli``
for the command line. Capability packages (``policy``, ``ingest``, ``reconcile`` …) are internal.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
