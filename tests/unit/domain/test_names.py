from medaid.domain.names import normalise_name


def test_fullwidth_spaces_and_dots() -> None:
    assert normalise_name(" 王　小明 ") == "王小明"
    assert normalise_name("阿依古丽•买买提") == "阿依古丽·买买提"
    assert normalise_name("阿依古丽．买买提") == "阿依古丽·买买提"
    assert normalise_name("ｊｏｈｎ") == "JOHN"


def test_traditional_becomes_simplified() -> None:
    assert normalise_name("陳國華") == "陈国华"
