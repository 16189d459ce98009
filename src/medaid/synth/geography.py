"""The synthetic county's map: Wenshang (汶上县, region 370830, seed 002), its townships and hospitals.

Townships are ``medaid.domain.regions.TOWNSHIP_NAMES`` (Wenshang's real streets, towns and township
under GB/T 10114-pattern codes), so the pages name the codes the synthetic people live in. Villages are
invented. Neighbouring region codes are real GB/T 2260 codes (Jining city and migrant destinations)
so that ``enrolled_elsewhere`` faults look like what seed 002 describes.
"""

from __future__ import annotations

from dataclasses import dataclass

from medaid.domain.regions import TOWNSHIP_NAMES

COUNTY_CODE = "370830"
COUNTY_NAME = "汶上县"

TOWNSHIPS: tuple[tuple[str, str], ...] = tuple(TOWNSHIP_NAMES.items())

# Relative population weights: the two urban streets are the largest.
TOWNSHIP_WEIGHTS: tuple[float, ...] = (2.2, 1.8, 1.0, 1.0, 1.1, 0.9, 0.9, 1.0, 0.8, 0.9, 0.9, 0.9, 1.0, 0.9, 0.7)

VILLAGES_PER_TOWNSHIP = 30
VILLAGE_SUFFIXES: tuple[str, ...] = ("村", "庄", "屯", "楼村", "集村", "店村", "营村", "社区")

# Other counties: Jining districts/counties (work or marry nearby) and migrant-work destinations.
OTHER_REGIONS: tuple[str, ...] = (
    "370811", "370812", "370826", "370827", "370828", "370829", "370831", "370832", "370881",
    "370883", "370102", "370202", "110105", "310115", "320583", "330102", "440305", "440606",
)

# Birth regions written in ID numbers: most born in the county; spouses married in from nearby.
BIRTH_REGIONS: tuple[str, ...] = (COUNTY_CODE, "370811", "370828", "370829", "370832", "370881", "371122", "410928")
BIRTH_REGION_WEIGHTS: tuple[float, ...] = (0.86, 0.03, 0.02, 0.02, 0.02, 0.02, 0.015, 0.015)

SOURCE_DEPTS: dict[str, str] = {
    "tekun": "civil_affairs",
    "dibao": "civil_affairs",
    "dibao_edge": "civil_affairs",
    "orphan": "civil_affairs",
    "monitored": "rural_revitalization",
    "lifted": "rural_revitalization",
    "catastrophic": "medical_security",
    "severe_disability": "disabled_persons_federation",
    "veteran_priority": "veterans_affairs",
    "hardship_worker": "trade_union",
}


@dataclass(frozen=True, slots=True)
class Hospital:
    code: str
    level: int  # 1 township health centre, 2 county hospital, 3 city/provincial tertiary
    location: str  # county / province / out_of_province


def hospitals() -> tuple[Hospital, ...]:
    """A fixed set: one health centre per township, county hospitals, Jinan/Jining tertiaries, national."""
    out: list[Hospital] = [Hospital(f"H{code}", 1, "county") for code, _ in TOWNSHIPS]
    out += [Hospital(f"H{COUNTY_CODE}9{i:02d}", 2, "county") for i in range(1, 5)]
    out += [Hospital(f"H{COUNTY_CODE}951", 3, "county")]  # the county people's hospital
    out += [Hospital(f"H37080090{i}", 2, "province") for i in range(1, 4)]  # Jining city
    out += [Hospital(f"H37080095{i}", 3, "province") for i in range(1, 3)]
    out += [Hospital(f"H37010090{i}", 3, "province") for i in range(1, 7)]  # Jinan
    out += [Hospital(f"H11010090{i}", 3, "out_of_province") for i in range(1, 4)]
    out += [Hospital(f"H31010090{i}", 3, "out_of_province") for i in range(1, 3)]
    out += [Hospital(f"H41090090{i}", 2, "out_of_province") for i in range(1, 3)]
    return tuple(out)
