"""Build ``pipeline/data/gazetteer.json`` from the offline data of vietnamadminunits.

The metadata stage (:mod:`pipeline.metadata`) reads the JSON written here; it
never imports vietnamadminunits at run time. Run this script again when the
package is upgraded::

    .venv/bin/python pipeline/data/build_gazetteer.py

What goes into the file
-----------------------
``provinces``
    The 63 provinces as they were before the July 2025 merger, keyed by their
    bare name (``Thừa Thiên Huế`` for the package's ``Huế``), with the unit
    type, ``central`` (``thành phố X`` is the province itself: the five
    centrally-run cities, and Huế, a centrally-run city since 2025) and
    ``province_2025``, the province it belongs to after the merger (computed
    with ``vietnamadminunits.convert_address``).
``districts``
    The district-level units (huyện, thị xã, thành phố thuộc tỉnh, quận) of
    the package's legacy table, plus the units that were merged away between
    2019 and early 2025 (the package only keeps them as unaccented aliases;
    their accented names are listed in :data:`FORMER_DISTRICTS`).
``wards``
    Commune-level names (xã, phường, thị trấn) with their district and
    province, used as weak evidence for the district a report is about.
"""
from __future__ import annotations

import json
import re
import sqlite3
import unicodedata
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).resolve().parent / "gazetteer.json"

#: The package calls the province ``Huế`` (its 2025 name); the pre-2025
#: province is ``Thừa Thiên Huế``.
PROVINCE_RENAME = {"Huế": "Thừa Thiên Huế"}

#: District-level units merged into another unit between 2019 and early 2025.
#: Keys are the package's unaccented alias keys (checked below), values the
#: accented bare name and unit type the unit had.
FORMER_DISTRICTS = {
    ("Cao Bằng", "thongnong"): ("Thông Nông", "Huyện"),
    ("Cao Bằng", "phuchoa"): ("Phục Hòa", "Huyện"),
    ("Cao Bằng", "quanguyen"): ("Quảng Uyên", "Huyện"),
    ("Hòa Bình", "kyson"): ("Kỳ Sơn", "Huyện"),
    ("Quảng Ninh", "hoanhbo"): ("Hoành Bồ", "Huyện"),
    ("Bắc Giang", "yendung"): ("Yên Dũng", "Huyện"),
    ("Nam Định", "myloc"): ("Mỹ Lộc", "Huyện"),
    ("Ninh Bình", "ninhbinh"): ("Ninh Bình", "Thành phố"),
    ("Ninh Bình", "huyenhoalu"): ("Hoa Lư", "Huyện"),
    ("Thanh Hóa", "dongson"): ("Đông Sơn", "Huyện"),
    ("Thanh Hóa", "tinhgia"): ("Tĩnh Gia", "Huyện"),
    ("Nghệ An", "cualo"): ("Cửa Lò", "Thị xã"),
    ("Huế", "namdong"): ("Nam Đông", "Huyện"),
    ("Quảng Nam", "nongson"): ("Nông Sơn", "Huyện"),
    ("Quảng Ngãi", "taytra"): ("Tây Trà", "Huyện"),
    ("Lâm Đồng", "cattien"): ("Cát Tiên", "Huyện"),
    ("Lâm Đồng", "dateh"): ("Đạ Tẻh", "Huyện"),
    ("Bà Rịa - Vũng Tàu", "datdo"): ("Đất Đỏ", "Huyện"),
    ("Bà Rịa - Vũng Tàu", "longdien"): ("Long Điền", "Huyện"),
    ("Bà Rịa - Vũng Tàu", "tanthanh"): ("Tân Thành", "Huyện"),
    ("Hồ Chí Minh", "quan2"): ("Quận 2", "Quận"),
    ("Hồ Chí Minh", "quan9"): ("Quận 9", "Quận"),
}

#: Pre-2025 district-level units of Thừa Thiên Huế that the package replaced
#: by the 2025 districts of the city of Huế (Thuận Hóa, Phú Xuân).
EXTRA_DISTRICTS = [
    # (province, name, type)
    ("Huế", "Phong Điền", "Huyện"),
]


def _ascii_key(name: str) -> str:
    """``Đắk Lắk`` -> ``daklak`` (the package's key style)."""
    s = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]", "", s.lower())


def _bare(name: str) -> str:
    """Drop the package's ``(Huyện)``/``(Thị xã)`` disambiguation suffix."""
    return re.sub(r"\s*\(.*?\)\s*$", "", name).strip()


def build() -> dict:
    import vietnamadminunits
    from vietnamadminunits import convert_address

    db = Path(vietnamadminunits.__file__).resolve().parent / "data" / "dataset.db"
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT DISTINCT province, provinceShort, districtShort, districtType, districtAlias, "
        "wardShort, wardType FROM admin_units_legacy").fetchall()
    con.close()

    provinces: dict = {}
    districts: dict = {}
    wards: dict = defaultdict(set)
    seen_alias = set()
    for (prov_full, prov, dist, dtype, dalias, ward, wtype) in rows:
        pname = PROVINCE_RENAME.get(prov, prov)
        if pname not in provinces:
            new = convert_address(prov_full)
            city = prov_full.startswith("Thành phố")
            provinces[pname] = {
                # Thừa Thiên Huế was a province until 2025; the package has the city of 2025
                "type": "Thành phố" if city and pname == prov else "Tỉnh",
                # ``thành phố X`` names the province itself (not a district-level city)
                "central": city,
                "province_2025": new.short_province,
            }
        dname = _bare(dist)
        districts.setdefault((pname, dname), {"name": dname, "province": pname, "types": set()})
        districts[(pname, dname)]["types"].add(dtype)
        for key in json.loads(dalias or "[]"):
            seen_alias.add((prov, key))
        if ward:
            wards[ward].add((wtype, dname, pname))

    for (prov, key), (dname, dtype) in FORMER_DISTRICTS.items():
        if (prov, key) not in seen_alias:
            raise SystemExit(f"former district alias {prov}/{key} not in the package data")
        pname = PROVINCE_RENAME.get(prov, prov)
        ent = districts.setdefault((pname, dname), {"name": dname, "province": pname, "types": set()})
        ent["types"].add(dtype)
        ent["former"] = True
    for prov, dname, dtype in EXTRA_DISTRICTS:
        pname = PROVINCE_RENAME.get(prov, prov)
        districts.setdefault((pname, dname), {"name": dname, "province": pname, "types": set()})
        districts[(pname, dname)]["types"].add(dtype)

    if len(provinces) != 63:
        raise SystemExit(f"expected 63 provinces, got {len(provinces)}")
    try:
        from importlib.metadata import version
        source = f"vietnamadminunits {version('vietnamadminunits')}"
    except Exception:  # pragma: no cover
        source = "vietnamadminunits"
    return {
        "source": source,
        "provinces": {k: provinces[k] for k in sorted(provinces)},
        "districts": sorted(
            ({**d, "types": sorted(d["types"])} for d in districts.values()),
            key=lambda d: (d["province"], d["name"])),
        "wards": {w: sorted(list(x) for x in v) for w, v in sorted(wards.items())},
    }


def main() -> None:
    data = build()
    OUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {OUT} ({len(data['provinces'])} provinces, {len(data['districts'])} districts, "
          f"{len(data['wards'])} ward names)")


if __name__ == "__main__":
    main()
