"""The linkage engine on hand-made records: homophones link, namesakes and twins do not."""

from __future__ import annotations

import pandas as pd
import pytest

from medaid.linkage.engine import link_records
from medaid.linkage.features import add_features, id_hint, pinyin_of

T = "370830100"


def rec(uid: str, name: str, *, token: str | None = None, birth: str | None = None, sex: str | None = None,
        town: str | None = T, address: str | None = None, phone: str | None = None,
        hint: str | None = None, source: str = "person") -> dict[str, object]:
    return {"unique_id": uid, "source": source, "id_token": token, "name": name, "birth_date": birth, "sex": sex,
            "township_code": town, "address": address, "phone": phone, "id_hint": hint}


def keys(records: list[dict[str, object]], **kw: object) -> dict[str, str]:
    result = link_records(pd.DataFrame(records), **kw)  # type: ignore[arg-type]
    return dict(zip(result.assignments["unique_id"], result.assignments["person_key"], strict=True))


def test_features() -> None:
    assert pinyin_of("王晓明") == pinyin_of("王小明") == "wang xiao ming"
    assert id_hint("370830********1234") == "370830123"
    assert id_hint("37**34") is None
    f = add_features(pd.DataFrame([rec("a", " 王 晓明 ", phone="138-0000-0001")]))
    assert f.loc[0, "name_norm"] == "王晓明" and f.loc[0, "phone"] == "13800000001"


def test_exact_id_groups_and_homophone_reject_row_links_to_register() -> None:
    k = keys([
        rec("person:1:2", "王晓明", token="t1", birth="1960-05-01", sex="M", address="东村1号", phone="13800000001",
            hint="370830001"),
        rec("roster:2:2", "王晓明", token="t1", source="roster"),
        rec("roster:2:3", "王小明", hint="370830001", source="roster"),  # invalid ID, homophone name
        rec("person:1:3", "李四", token="t2", birth="1970-01-01", sex="F", hint="370830002"),
    ])
    assert k["person:1:2"] == k["roster:2:2"] == k["roster:2:3"] == "t1"
    assert k["person:1:3"] == "t2"


def test_same_person_registered_under_two_ids_is_merged_to_smallest_token() -> None:
    k = keys([
        rec("person:1:2", "李四", token="tb", birth="1970-01-01", sex="F", address="东村2号", phone="13800000002",
            hint="370830002"),
        rec("person:1:3", "李四", token="ta", birth="1970-01-01", sex="F", address="东村2号", phone="13800000002",
            hint="370830007"),
    ])
    assert k["person:1:2"] == k["person:1:3"] == "ta"


def test_twins_and_namesakes_stay_apart() -> None:
    k = keys([
        rec("person:1:2", "张伟", token="t1", birth="2001-03-03", sex="M", address="西村5号", hint="370830011"),
        rec("person:1:3", "张强", token="t2", birth="2001-03-03", sex="M", address="西村5号", hint="370830012"),
        rec("person:1:4", "张伟", token="t3", birth="1985-07-09", sex="M", address="北村9号", hint="370830400"),
    ])
    assert len(set(k.values())) == 3


def test_uncertain_pair_goes_to_review_and_clerk_decision_applies() -> None:
    records = [
        rec("person:1:2", "赵敏", token="t1", birth="1980-02-02", sex="F", hint="370830021"),
        rec("enrolment:3:9", "赵敏", town=None, hint="370830021", source="enrolment"),
    ]
    result = link_records(pd.DataFrame(records), upper=0.999999)
    assert list(result.edges["decision"]) == ["review"]
    k = dict(zip(result.assignments["unique_id"], result.assignments["person_key"], strict=True))
    assert k["enrolment:3:9"] != "t1"
    a, b = result.edges.iloc[0][["unique_id_l", "unique_id_r"]]
    accepted = keys(records, upper=0.999999, decisions={(a, b): True})
    assert accepted["enrolment:3:9"] == "t1"
    rejected = keys(records, upper=0.0, decisions={(b, a): False})
    assert rejected["enrolment:3:9"] != "t1"


@pytest.mark.parametrize("n", [0, 1])
def test_tiny_inputs(n: int) -> None:
    records = [rec("person:1:2", "王五", token="t1")][:n]
    frame = pd.DataFrame(records, columns=["unique_id", "source", "id_token", "name", "birth_date", "sex",
                                           "township_code", "address", "phone", "id_hint"])
    assert len(link_records(frame).assignments) == n


def test_stem_joins_an_id_less_row_to_its_token_whatever_the_name() -> None:
    records = pd.DataFrame([
        {**rec("person:1:2", "王晓明", token="t1", birth="1960-05-01", sex="M"), "id_stem": "s1"},
        {**rec("person:1:3", "李四", token="t2", birth="1970-01-01", sex="F"), "id_stem": "s2"},
        {**rec("claim:3:7", "欧阳某", town=None, source="claim"), "id_stem": "s1"},   # wrong check digit
        {**rec("claim:3:8", "欧阳某", town=None, source="claim"), "id_stem": "s9"},   # stem of no valid ID
    ])
    result = link_records(records)
    got = result.assignments.set_index("unique_id")
    assert got.loc["claim:3:7", "person_key"] == "t1" and got.loc["claim:3:7", "method"] == "id_stem"
    assert got.loc["claim:3:8", "person_key"] not in ("t1", "t2")
    assert result.stats["joined_by_stem"] == 1
