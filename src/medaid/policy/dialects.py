"""SQL dialect differences between the batch backends (the compiler emits one SQL text per dialect).

Only what the compiler needs: integer division, ``GREATEST`` of one argument, string literals.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    name: str
    int_div_op: str
    bigint: str = "BIGINT"

    def int_div(self, a: str, b: str) -> str:
        """Integer division of non-negative integers (floor = truncation there)."""
        return f"(({a}) {self.int_div_op} ({b}))"

    def greatest(self, exprs: list[str]) -> str:
        if not exprs:
            return "0"
        return exprs[0] if len(exprs) == 1 else f"GREATEST({', '.join(exprs)})"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})"

    def literal(self, text: str) -> str:
        # ids are restricted to [a-z0-9_.:] by the schema, so no escaping is needed in either dialect
        if "'" in text or "\\" in text:
            raise ValueError(f"unsafe SQL literal {text!r}")
        return f"'{text}'"

    def cast_bigint(self, expr: str) -> str:
        return f"CAST({expr} AS {self.bigint})"


DUCKDB = Dialect("duckdb", "//")
SPARK = Dialect("spark", "div")

DIALECTS = {d.name: d for d in (DUCKDB, SPARK)}
