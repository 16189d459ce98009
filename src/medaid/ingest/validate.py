"""Vectorised contract validation in DuckDB: ``raw`` → ``typed`` (clean values) + ``problems``.

Every check is one SQL expression over the whole file. Python runs once per *distinct* ID number
(``medaid.domain.idnumber.find_problem`` is the one definition of a valid ID) and, for persons,
once per distinct name (``medaid.domain.names``); the results are joined back as lookup tables.
Amount parsing mirrors ``medaid.domain.money.parse_yuan`` exactly (a property test checks both).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from medaid.domain.idnumber import IdProblem, check_char, find_problem, mask, normalise, problem_text
from medaid.domain.names import normalise_name
from medaid.domain.regions import PROVINCE_PREFIXES
from medaid.errors import ContractError
from medaid.ingest.contract import Field, FieldType, KindSpec
from medaid.ingest.read import SOURCE_ROW
from medaid.privacy.keys import load_keys
from medaid.privacy.tokens import TOKEN_HEX_CHARS, stem_tokeniser
from medaid.privacy.vault import encryptor

# Python's str.strip() removes exactly the characters with str.isspace(). DuckDB's trim(x, chars)
# strips that set but is ~10x slower than a plain scan, so it runs only where an edge is whitespace.
_WS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace())
_PROVINCES = ", ".join(f"'{p}'" for p in sorted(PROVINCE_PREFIXES))
ID_FIELD = "id_number"


def q(name: str) -> str:
    """A quoted DuckDB identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def trimmed(expr: str) -> str:
    """``nullif(strip(x), '')`` with Python's notion of whitespace."""
    edge = lit(f"^[{_WS}]|[{_WS}]$")
    return f"nullif(CASE WHEN regexp_matches({expr}, {edge}) THEN trim({expr}, {lit(_WS)}) ELSE {expr} END, '')"


def amount_fen(v: str) -> str:
    """SQL for ``parse_yuan`` on an already stripped value: fen as BIGINT, NULL if malformed."""
    a = f"translate(replace(replace({v}, ',', ''), '，', ''), '０１２３４５６７８９．－', '0123456789.-')"
    return (f"CASE WHEN regexp_full_match({a}, '-?[0-9]+(\\.[0-9]{{1,2}})?') "
            f"THEN TRY_CAST(TRY_CAST({a} AS DECIMAL(38,2)) * 100 AS BIGINT) END")


def _reason(zh: str, en: str) -> str:
    return lit(f"{zh} / {en}")


_REQUIRED = _reason("必填字段为空", "required field is empty")


def _clean_and_error(f: Field) -> tuple[str, str | None]:
    """(clean value SQL over ``f__v``, error SQL over the clean column ``f`` or None) of one field.

    The error is evaluated only where the value is present, on the *materialised* clean column, so
    no parsing expression runs twice (inlining them was 10× slower on 2M claims).
    """
    v, c = q(f.name + "__v"), q(f.name)
    if f.type is FieldType.ID:
        return "ids.id_token", q(f.name + "__p")
    if f.type is FieldType.TEXT:
        if f.max_len:
            return v, f"CASE WHEN length({v}) > {f.max_len} THEN {_reason(f'超过 {f.max_len} 个字符', f'longer than {f.max_len} characters')} END"
        return v, None
    if f.type is FieldType.DATE:
        clean = (f"CASE WHEN regexp_full_match({v}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') THEN "
                 f"CASE WHEN TRY_CAST({v} AS DATE) BETWEEN DATE '1880-01-01' AND DATE '2100-12-31' "
                 f"THEN TRY_CAST({v} AS DATE) END END")
        return clean, f"CASE WHEN {c} IS NULL THEN {_reason('日期应为 YYYY-MM-DD 格式的有效日期', 'date must be a real date written YYYY-MM-DD')} END"
    if f.type is FieldType.AMOUNT:
        err = (f"CASE WHEN {c} IS NULL THEN {_reason('金额应为元，最多两位小数', 'amount must be yuan with at most 2 decimals')} "
               f"WHEN {c} < 0 THEN {_reason('金额不能为负数', 'amount must not be negative')} END")
        return amount_fen(v), err
    if f.type is FieldType.ENUM:
        assert f.choices is not None
        whens = " ".join(f"WHEN {lit(k)} THEN {_sql_value(val)}" for k, val in f.choices.items())
        allowed = "/".join(dict.fromkeys(str(val) if not isinstance(val, bool) else k.upper()
                                          for k, val in f.choices.items() if k.isascii()))
        return f"CASE lower({v}) {whens} END", \
            f"CASE WHEN {c} IS NULL THEN {_reason(f'取值应为 {allowed}', f'must be one of {allowed}')} END"
    if f.type is FieldType.INT:
        lo, hi = f.min_value or 0, f.max_value or 999_999_999
        return (f"CASE WHEN regexp_full_match({v}, '[0-9]{{1,9}}') THEN CAST({v} AS INTEGER) END",
                f"CASE WHEN {c} IS NULL OR {c} NOT BETWEEN {lo} AND {hi} THEN "
                f"{_reason(f'应为 {lo} 到 {hi} 之间的整数', f'must be a whole number from {lo} to {hi}')} END")
    digits = 9 if f.type is FieldType.TOWNSHIP else 6
    what = ("乡镇代码应为9位数字", "township code must be 9 digits") if digits == 9 else \
        ("行政区划代码应为6位数字（GB/T 2260）", "region code must be 6 digits (GB/T 2260)")
    clean = f"CASE WHEN regexp_full_match({v}, '[0-9]{{{digits}}}') AND substr({v}, 1, 2) IN ({_PROVINCES}) THEN {v} END"
    return clean, f"CASE WHEN {c} IS NULL THEN {_reason(*what)} END"


def _sql_value(value: str | int | bool) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    return lit(value)


@dataclass(frozen=True, slots=True)
class Validated:
    rows_read: int
    rows_rejected: int
    new_identities: int


def check_columns(spec: KindSpec, columns: list[str], file_name: str) -> None:
    """A missing required column fails the whole file, naming every missing column at once."""
    missing = [c for c in spec.required if c not in columns]
    if missing:
        names = ", ".join(missing)
        raise ContractError(
            f"{file_name}: required column(s) missing: {names}; add them to the header row and load again; "
            "nothing was loaded",
            f"{file_name}：缺少必填列 {names}；请在表头补上后重新导入，本文件未导入任何数据",
            file=file_name, row=1, field=missing[0],
        )


_IdentityRow = tuple[str, str, str, str, dt.date, str, str]  # token, cipher, masked, region, born, sex, stem
_Stem = tuple[str, dt.date, str]  # stem token, birth date, sex of an invalid ID with well-formed first 17
_Hit = tuple[str | None, str | None, str, _Stem | None]  # token, problem, masked, stem (invalid IDs only)

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643 / ISO 7064 MOD 11-2


def id_normal_sql(raw: str) -> str:
    """SQL of ``idnumber.normalise`` for values that are printable ASCII once full-width digits, ｘ
    and ideographic spaces are mapped; NULL for anything else (Python decides those, see IdLookup)."""
    mapped = f"replace(translate({trimmed(raw)}, '０１２３４５６７８９ｘＸ\u3000', '0123456789xX '), ' ', '')"
    return f"CASE WHEN regexp_full_match({mapped}, '[ -~]*') THEN upper({mapped}) END"


def id_birth_sql(v: str) -> str:
    """The birth date encoded in characters 7-14 of ``v`` (NULL if not a real date)."""
    return f"TRY_CAST(substr({v}, 7, 4) || '-' || substr({v}, 11, 2) || '-' || substr({v}, 13, 2) AS DATE)"


def id_problem_sql(v: str, born: str, today: dt.date) -> str:
    """SQL of ``idnumber.find_problem`` over a normalised value ``v`` (see ``id_normal_sql``) and its
    ``born`` column: the IdProblem value or NULL. A property test checks both agree."""
    check = " + ".join(f"(ascii(substr({v}, {i + 1}, 1)) - 48) * {w}" for i, w in enumerate(_ID_WEIGHTS))
    return f"""CASE
        WHEN {v} = '' THEN '{IdProblem.EMPTY.value}'
        WHEN length({v}) <> 18 THEN '{IdProblem.LENGTH.value}'
        WHEN NOT regexp_full_match({v}, '[0-9]{{17}}[0-9X]') THEN '{IdProblem.CHARACTERS.value}'
        WHEN substr({v}, 1, 2) NOT IN ({_PROVINCES}) THEN '{IdProblem.REGION.value}'
        WHEN {born} IS NULL OR year({born}) < 1880 OR {born} > DATE '{today.isoformat()}'
            THEN '{IdProblem.BIRTH_DATE.value}'
        WHEN substr('10X98765432', (({check}) % 11) + 1, 1) <> substr({v}, 18, 1) THEN '{IdProblem.CHECK_DIGIT.value}'
    END"""


def id_stem_ok_sql(v: str, born: str, today: dt.date) -> str:
    """SQL: the first 17 characters would make a valid ID with the right check digit (stem kept)."""
    return (f"(length({v}) = 18 AND regexp_full_match(substr({v}, 1, 17), '[0-9]{{17}}') "
            f"AND substr({v}, 1, 2) IN ({_PROVINCES}) AND {born} IS NOT NULL AND year({born}) >= 1880 "
            f"AND {born} <= DATE '{today.isoformat()}')")


_ID_CACHE_SCHEMA = pa.schema([("raw", pa.string()), ("id_token", pa.string()), ("problem", pa.string()),
                              ("masked", pa.string()), ("stem_token", pa.string()),
                              ("stem_birth_date", pa.date32()), ("stem_sex", pa.string())])
_IDENTITY_SCHEMA = pa.schema([("id_token", pa.string()), ("id_cipher", pa.string()), ("id_masked", pa.string()),
                              ("region_code", pa.string()), ("birth_date", pa.date32()), ("sex", pa.string()),
                              ("id_stem_token", pa.string())])


class IdLookup:
    """Per-run cache of ID checks, tokens and ciphertexts, shared by all files of one ``load_path``.

    Most IDs appear in several files (persons, enrolment, claims, …); checking, tokenising and
    encrypting each once per run instead of once per file is most of the ingest CPU saved.
    ``build_ids`` checks the new distinct values of a file in DuckDB SQL (``id_problem_sql``) and
    runs Python only for the keyed work (HMAC, AES) of new valid IDs; ``lookup`` is the one-value
    Python path (``find_problem``), used for values SQL leaves to it and by tests as the reference.
    ``pending`` holds vault rows not yet committed; ``mark_stored`` drops them after a commit.
    An invalid ID whose first 17 characters are a well-formed region + date + sequence keeps a
    *stem*: the keyed stem token and the birth date and sex those digits encode, so linkage can
    match a wrong check digit exactly without the raw number being stored.
    """

    def __init__(self, today: dt.date | None = None) -> None:
        self.today = today or dt.date.today()
        self.encrypt = encryptor()
        self._mac = hmac.new(load_keys().hmac_key, digestmod=hashlib.sha256)  # = tokens.id_token, inlined
        self.stem_token = stem_tokeniser()
        self.seen: dict[str, _Hit] = {}  # raw → (token, problem, masked, stem), for ``lookup``
        self.cache = _ID_CACHE_SCHEMA.empty_table()  # every raw value ``build_ids`` has seen this run
        self.pending: dict[str, _IdentityRow] = {}  # from ``lookup``
        self._pending_chunks: list[pa.Table] = []  # from ``check_new``

    def _token(self, value: str) -> str:
        mac = self._mac.copy()
        mac.update(value.encode("ascii"))
        return mac.hexdigest()[:TOKEN_HEX_CHARS]

    def _identity(self, tok: str, value: str, masked: str, born: dt.date) -> None:
        if tok not in self.pending:
            self.pending[tok] = (tok, self.encrypt(value, tok), masked, value[:6], born,
                                 "M" if int(value[16]) % 2 else "F", self.stem_token(value[:17]))

    def stem(self, value: str) -> _Stem | None:
        """Stem of a normalised 18-character value whose first 17 would be a valid ID, else None."""
        first17 = value[:17]
        if len(value) != 18 or not (first17.isascii() and first17.isdigit()):
            return None
        if find_problem(first17 + check_char(first17), today=self.today) is not None:
            return None
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
        return self.stem_token(first17), born, "M" if int(value[16]) % 2 else "F"

    def lookup(self, raw: str) -> _Hit:
        hit = self.seen.get(raw)
        if hit is not None:
            return hit
        value = normalise(raw)
        problem = find_problem(value, today=self.today)
        if problem is not None:
            hit = (None, problem_text(problem), mask(value), self.stem(value))
        else:
            tok = self._token(value)
            masked = f"{value[:6]}********{value[-4:]}"
            self._identity(tok, value, masked, dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14])))
            hit = (tok, None, masked, None)
        self.seen[raw] = hit
        return hit

    def check_new(self, con: duckdb.DuckDBPyConnection) -> None:
        """Check, tokenise and encrypt the distinct ID values of ``raw`` not seen yet; add to ``cache``.

        SQL does the check, masking and what the digits encode; Python runs three tight loops over
        new values only (token HMAC, stem HMAC, AES-GCM), and results move as Arrow columns.
        """
        con.execute("SELECT 1").fetchall()  # completes any pending result: register() refuses to run over one
        con.register("id_cache", self.cache)
        today = self.today
        tbl = con.sql(f"""
            WITH d AS (SELECT DISTINCT {ID_FIELD} AS raw FROM raw WHERE {ID_FIELD} IS NOT NULL
                       EXCEPT SELECT raw FROM id_cache),
                 n AS (SELECT raw, {id_normal_sql('raw')} AS v FROM d),
                 b AS (SELECT raw, v, {id_birth_sql('v')} AS born FROM n),
                 c AS (SELECT *, {id_problem_sql('v', 'born', today)} AS code,
                              {id_stem_ok_sql('v', 'born', today)} AS stem_ok FROM b)
            SELECT raw, v, code, coalesce(stem_ok, FALSE) AS stem_ok,
                   CASE {" ".join(f"WHEN code = '{p.value}' THEN {lit(problem_text(p))}" for p in IdProblem)} END
                       AS problem,
                   CASE WHEN length(v) = 18 THEN substr(v, 1, 6) || '********' || substr(v, 15, 4)
                        WHEN length(v) <= 4 THEN repeat('*', length(v))
                        ELSE substr(v, 1, 2) || repeat('*', length(v) - 4) || substr(v, -2) END AS masked,
                   substr(v, 1, 6) AS region_code,
                   CASE WHEN code IS NULL OR stem_ok THEN born END AS born,
                   CASE WHEN code IS NULL OR stem_ok THEN
                       CASE WHEN (ascii(substr(v, 17, 1)) - 48) % 2 = 1 THEN 'M' ELSE 'F' END END AS sex
            FROM c""").to_arrow_table()
        con.unregister("id_cache")
        assert tbl is not None
        if not tbl.num_rows:
            return
        raws, values, codes = (tbl.column(c).to_pylist() for c in ("raw", "v", "code"))
        stem_ok = tbl.column("stem_ok").to_pylist()
        valid = [i for i, (v, c) in enumerate(zip(values, codes, strict=True)) if v is not None and c is None]
        stemmed = [i for i, (c, ok) in enumerate(zip(codes, stem_ok, strict=True)) if c is not None and ok]
        fallback = [i for i, v in enumerate(values) if v is None]  # not plain ASCII: the Python reference
        valid_values = [values[i] for i in valid]
        tokens = [self._token(v) for v in valid_values]
        stems_of_valid = [self.stem_token(v[:17]) for v in valid_values]
        ciphers = self.encrypt_many(valid_values, tokens)
        token_col: list[str | None] = [None] * len(raws)
        stem_col: list[str | None] = [None] * len(raws)
        for i, tok in zip(valid, tokens, strict=True):
            token_col[i] = tok
        for i in stemmed:
            stem_col[i] = self.stem_token(values[i][:17])
        problem_col: list[str | None] = tbl.column("problem").to_pylist()
        masked_col: list[str | None] = tbl.column("masked").to_pylist()
        born_col: list[dt.date | None] = tbl.column("born").to_pylist()
        sex_col: list[str | None] = tbl.column("sex").to_pylist()
        for i in fallback:
            token_col[i], problem_col[i], masked_col[i], stem = self.lookup(raws[i])
            if stem is not None:
                stem_col[i], born_col[i], sex_col[i] = stem
        valid_rows = tbl.take(pa.array(valid, pa.int64()))
        self._pending_chunks.append(pa.Table.from_arrays([
            pa.array(tokens, pa.string()), pa.array(ciphers, pa.string()), valid_rows.column("masked"),
            valid_rows.column("region_code"), valid_rows.column("born"), valid_rows.column("sex"),
            pa.array(stems_of_valid, pa.string())], schema=_IDENTITY_SCHEMA))
        is_stem = [c is not None and s is not None for c, s in zip(problem_col, stem_col, strict=True)]
        new = pa.Table.from_arrays([
            pa.array(raws, pa.string()), pa.array(token_col, pa.string()), pa.array(problem_col, pa.string()),
            pa.array(masked_col, pa.string()), pa.array(stem_col, pa.string()),
            pa.array([b if k else None for b, k in zip(born_col, is_stem, strict=True)], pa.date32()),
            pa.array([x if k else None for x, k in zip(sex_col, is_stem, strict=True)], pa.string())],
            schema=_ID_CACHE_SCHEMA)
        self.cache = pa.concat_tables([self.cache, new])

    def encrypt_many(self, values: list[str], tokens: list[str]) -> list[str]:
        """``encrypt`` over many values (one call site, so the loop stays in one frame)."""
        encrypt = self.encrypt
        return [encrypt(v, t) for v, t in zip(values, tokens, strict=True)]

    def pending_table(self) -> pa.Table:
        """Vault rows not yet stored, as Arrow (a token may repeat; callers take one row per token)."""
        cols = list(zip(*self.pending.values(), strict=True)) if self.pending else [()] * len(_IDENTITY_SCHEMA)
        single = pa.Table.from_arrays([pa.array(list(c), f.type) for c, f in zip(cols, _IDENTITY_SCHEMA, strict=True)],
                                      schema=_IDENTITY_SCHEMA)
        return pa.concat_tables([*self._pending_chunks, single])

    def mark_stored(self, tokens: Iterable[str]) -> None:
        """After a commit: these identities are in the vault, so their ciphertexts can be dropped."""
        stored = list(tokens)
        for tok in stored:
            self.pending.pop(tok, None)
        if self._pending_chunks:
            gone = pa.array(stored, pa.string())
            kept = [c.filter(pc.invert(pc.is_in(c.column("id_token"), value_set=gone))) for c in self._pending_chunks]
            self._pending_chunks = [c for c in kept if c.num_rows]


def build_ids(con: duckdb.DuckDBPyConnection, lookup: IdLookup) -> None:
    """Lookup ``ids(raw, id_token, problem, masked, stem…)`` and ``identities_all`` (not yet stored) for ``raw``."""
    lookup.check_new(con)
    con.register("id_cache", lookup.cache)
    con.execute(f"""CREATE OR REPLACE TABLE ids AS SELECT c.* FROM id_cache c
                    SEMI JOIN (SELECT DISTINCT {ID_FIELD} AS raw FROM raw) d ON d.raw = c.raw""")
    con.unregister("id_cache")
    identities_arrow = lookup.pending_table()
    con.register("identities_arrow", identities_arrow)
    con.execute("""CREATE OR REPLACE TABLE identities_all AS
                   SELECT DISTINCT ON (id_token) i.* FROM identities_arrow i SEMI JOIN ids ON ids.id_token = i.id_token""")
    con.unregister("identities_arrow")


def build_names(con: duckdb.DuckDBPyConnection) -> None:
    """Lookup ``names(raw, name_norm)`` for every distinct name in ``raw`` (persons only)."""
    distinct = [r[0] for r in con.execute("SELECT DISTINCT name FROM raw WHERE name IS NOT NULL").fetchall()]
    names_arrow = pa.table({"raw": pa.array(distinct, pa.string()),
                            "name_norm": pa.array([normalise_name(n) for n in distinct], pa.string())})
    con.register("names_arrow", names_arrow)
    con.execute("CREATE OR REPLACE TABLE names AS SELECT * FROM names_arrow")
    con.unregister("names_arrow")


def validate(con: duckdb.DuckDBPyConnection, spec: KindSpec, columns: list[str], file_name: str,
             lookup: IdLookup) -> Validated:
    """Create ``typed`` (one row per file row, clean values) and ``problems`` (row, field, reason)."""
    check_columns(spec, columns, file_name)
    build_ids(con, lookup)
    with_names = spec.kind == "persons"
    if with_names:
        build_names(con)

    values = ", ".join(
        f"{trimmed('r.' + q(f.name)) if f.name in columns else 'NULL::VARCHAR'} AS {q(f.name + '__v')}"
        for f in spec.fields
    )
    con.execute(f"CREATE OR REPLACE TABLE vals AS SELECT r.{SOURCE_ROW}, r.{ID_FIELD} AS id_raw, {values} FROM raw r")
    rules = {f.name: _clean_and_error(f) for f in spec.fields}
    cleans = ", ".join(f"{clean} AS {q(name)}" for name, (clean, _) in rules.items())
    con.execute(f"""
        CREATE OR REPLACE TABLE typed AS
        SELECT vals.*, {cleans}, ids.problem AS {q(ID_FIELD + '__p')}
               {", names.name_norm AS name_norm" if with_names else ""}
        FROM vals LEFT JOIN ids ON ids.raw = vals.id_raw
        {"LEFT JOIN names ON names.raw = vals.name__v" if with_names else ""}
    """)
    con.execute("DROP TABLE vals")

    union = []
    for f in spec.fields:
        v, err = q(f.name + "__v"), rules[f.name][1]
        parts = ([f"WHEN {v} IS NULL THEN {_REQUIRED}"] if f.required else []) + \
            ([f"WHEN {v} IS NOT NULL THEN {err}"] if err else [])
        if parts:
            union.append(f"SELECT {SOURCE_ROW}, {lit(f.name)} AS field, reason FROM "
                         f"(SELECT {SOURCE_ROW}, CASE {' '.join(parts)} END AS reason FROM typed) WHERE reason IS NOT NULL")
    union += [f"SELECT {SOURCE_ROW}, {lit(c.field)}, {_reason(c.zh, c.en)} FROM typed WHERE {c.bad}" for c in spec.checks]
    if spec.unique_in_file:
        u = q(spec.unique_in_file)
        union.append(f"""
            SELECT {SOURCE_ROW}, {lit(spec.unique_in_file)},
                   '{spec.unique_in_file} 重复，首次出现在第 ' || first_row || ' 行 / duplicate {spec.unique_in_file}, '
                   || 'first seen in row ' || first_row
            FROM (SELECT {SOURCE_ROW}, min({SOURCE_ROW}) OVER (PARTITION BY {u}) AS first_row
                  FROM typed WHERE {u} IS NOT NULL)
            WHERE {SOURCE_ROW} > first_row""")
    con.execute(f"CREATE OR REPLACE TABLE problems AS {' UNION ALL '.join(union)}")
    con.execute(f"CREATE OR REPLACE VIEW accepted AS SELECT * FROM typed ANTI JOIN problems USING ({SOURCE_ROW})")
    read = _scalar(con, "SELECT count(*) FROM typed")
    rejected = _scalar(con, f"SELECT count(DISTINCT {SOURCE_ROW}) FROM problems")
    con.execute(f"""CREATE OR REPLACE TABLE identities AS
        SELECT i.* FROM identities_all i SEMI JOIN (SELECT DISTINCT {ID_FIELD} AS t FROM accepted) a ON a.t = i.id_token""")
    return Validated(read, rejected, _scalar(con, "SELECT count(*) FROM identities"))


def reject_json_sql(columns: list[str]) -> str:
    """SQL building the raw-row JSON of a reject, ID numbers masked (id column via the lookup)."""
    pairs = []
    for c in columns:
        if c == ID_FIELD:
            value = "ids.masked"
        else:  # any 18-character ID-like run elsewhere (unknown columns, free text) is masked too
            value = f"regexp_replace(r.{q(c)}, '([0-9]{{6}})[0-9]{{8}}([0-9]{{3}}[0-9Xx])', '\\1********\\2', 'g')"
        pairs.append(f"{lit(c)}, {value}")
    return f"json_object({', '.join(pairs)})"


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0
