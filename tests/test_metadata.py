"""Tests of the metadata stage (``pipeline/metadata.py``).

The texts are short made-up reports in the style of Vietnamese e-government
news; the last test measures the stage on the development gold when the
shared corpus is present.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.document import Document
from pipeline.metadata import add_metadata, find_place, find_published, name_key, parse_date

GOLD = Path(__file__).resolve().parents[1].parent / "shared" / "corpus/dev/gold.jsonl"


# ---------------------------------------------------------------------------
# published
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    # labelled update date with a time
    ("Báo Điện tử Tỉnh\n\nNâng cao chất lượng dịch vụ công\n\nCập nhật: 07/03/2023 | 09:15\n\n"
     "Năm qua, tỉnh đã cung cấp nhiều dịch vụ công trực tuyến.", "2023-03-07"),
    # publication label with view counter
    ("Ngày đăng: 3/9/2021 - Lượt xem: 245\nIn bài viết\n\nHuyện đẩy mạnh chuyển đổi số", "2021-09-03"),
    # time, then date, above the body
    ("Hội nghị tổng kết chuyển đổi số năm 2021\n08:05, 14/01/2022\nSáng 13-1, UBND tỉnh tổ chức hội nghị.",
     "2022-01-14"),
    # leading crawler header with a day
    (" date 2024-06-21 Sở Thông tin và Truyền thông vừa công bố kết quả.", "2024-06-21"),
    # leading crawler header with a month only
    (" date 2022-08 Tỉnh đang triển khai nhiều giải pháp.", "2022-08"),
    # weekday, date and time
    ("Kết quả chuyển đổi số quý III\n\nThứ năm - 05/10/2023 16:40 312 0\nTrong quý III, tỉnh đạt nhiều kết quả.",
     "2023-10-05"),
    # an official document's place-and-date line
    ("ỦY BAN NHÂN DÂN\nTỈNH KIÊN GIANG\n-------\nSố: 45/KH-UBND\nKiên Giang, ngày 12 tháng 3 năm 2024\n"
     "KẾ HOẠCH\nChuyển đổi số năm 2024", "2024-03-12"),
    # the same line wrapped by a converter
    ("ỦY BAN NHÂN DÂN\nTỈNH KIÊN GIANG\n|\nSố: 45/KH-UBND\n|\nKiên Giang, ngày 12\ntháng 3 năm 2024\n|\n"
     "KẾ HOẠCH", "2024-03-12"),
    # English form
    ("Chuyển đến nội dung chính\n\n7 March 2023\n\nThực trạng chuyển đổi số của tỉnh", "2023-03-07"),
    # byline and date
    ("Một xã điểm về chính quyền số\n\nMinh Anh 21/04/2022 10:05\n\nNgười dân xã đã quen với dịch vụ công.",
     "2022-04-21"),
])
def test_header_date_forms(text, expected):
    assert find_published(text) == expected


@pytest.mark.parametrize("header", [
    "Thứ Hai, 07/10/2024 14:30 (GMT+7)", "Thứ hai, 7/10/2024, 14:30 (GMT+7)", "07/10/2024 14:30 GMT+7",
    "Ngày cập nhật 07/10/2024", "Đăng ngày: 07/10/2024 - 14:30", "07-10-2024 | 14:30",
    "Thời gian đăng: 14:30 07/10/2024", "(Cập nhật: 07/10/2024)", "Lượt xem: 1.234 | Ngày đăng: 07/10/2024",
    "14:30 | Thứ Hai, 07/10/2024", "T2, 07/10/2024 14:30", "Tin tức - Sự kiện | 07/10/2024",
    "Cập nhật lúc 14:30 ngày 07/10/2024", "Bài và ảnh: Minh Tâm - 07/10/2024", "Posted on: October 7, 2024",
])
def test_more_header_forms(header):
    text = ("Huyện đẩy mạnh chuyển đổi số\n" + header +
            "\nNăm 2024, huyện đạt nhiều kết quả; ngày 15/9/2024 đoàn kiểm tra đã làm việc.")
    assert find_published(text) == "2024-10-07"


def test_event_date_in_body_is_not_publication():
    text = ("Đoàn công tác kiểm tra chuyển đổi số tại huyện\n\n"
            "Ngày 04/11/2022, đoàn công tác của tỉnh đã làm việc với UBND huyện về kết quả năm 2022. "
            "Theo Kế hoạch số 15/KH-UBND ngày 10/02/2022, huyện phấn đấu đạt 80% hồ sơ trực tuyến.")
    assert find_published(text) is None


def test_site_clock_loses_to_update_label():
    text = ("Thứ hai, ngày 06 tháng 01 năm 2025\n"
            "Cập nhật lúc: 15/09/2023\n\n"
            "Xã vùng cao số hóa hồ sơ hành chính\n\nNăm 2023, xã đã số hóa hồ sơ.")
    assert find_published(text) == "2023-09-15"


def test_site_clock_in_date_form_loses_to_date_label():
    text = ("Thông báo:\nHải Dương, ngày 11 tháng 5 năm 2025\n"
            "Hải Dương nâng cao chất lượng dịch vụ công\nNgày: 02/05/2025\nNội dung bài viết.")
    assert find_published(text) == "2025-05-02"


def test_label_on_a_page_chrome_line_at_the_foot():
    text = "Huyện triển khai chữ ký số\n\n" + "Nội dung bài viết dài. " * 80 + "\n\nNgày đăng: 12/12/2021\n"
    assert find_published(text) == "2021-12-12"


def test_no_date_gives_none():
    assert find_published("Tỉnh đã cấp 1.200 chứng thư số cho cán bộ.") is None
    assert find_published("") is None


def test_percentages_are_never_dates():
    assert find_published("Tỷ lệ hồ sơ trực tuyến đạt 80%\n\nCả năm đạt 95,5% kế hoạch.") is None


@pytest.mark.parametrize("value, expected", [
    ("2022-12-05", "2022-12-05"), ("2022-12-05T08:27:00+07:00", "2022-12-05"), ("05/12/2022", "2022-12-05"),
    ("ngày 5 tháng 12 năm 2022", "2022-12-05"), ("5 December 2022", "2022-12-05"), ("2023-04", "2023-04"),
    ("không rõ", None),
])
def test_parse_date(value, expected):
    assert parse_date(value) == expected


# ---------------------------------------------------------------------------
# place
# ---------------------------------------------------------------------------
def test_province_via_unit_word():
    text = ("Năm 2023, tỉnh Quảng Bình đã cung cấp 1.500 dịch vụ công trực tuyến. "
            "UBND tỉnh yêu cầu các sở, ngành tiếp tục nâng cao tỷ lệ hồ sơ trực tuyến.")
    assert find_place(text) == {"province": "Quảng Bình", "district": None, "province_2025": "Quảng Trị"}


def test_district_implies_province():
    text = ("Huyện Mường Lát đẩy mạnh chuyển đổi số\n\n"
            "Thời gian qua, huyện Mường Lát đã trang bị máy tính cho 100% cán bộ. "
            "UBND huyện Mường Lát cũng thành lập 8 tổ công nghệ số cộng đồng. "
            "Huyện đặt mục tiêu năm 2024 có 60% hồ sơ trực tuyến.")
    place = find_place(text)
    assert place["district"] == "Mường Lát"
    assert place["province"] == "Thanh Hóa"
    assert place["province_2025"] == "Thanh Hóa"


def test_hue_is_thua_thien_hue():
    text = ("Huế phát triển đô thị thông minh\n\n"
            "Thời gian qua, Huế đã đưa vào vận hành trung tâm giám sát điều hành. "
            "Toàn tỉnh có hơn 90% hồ sơ được xử lý trực tuyến; UBND tỉnh tiếp tục chỉ đạo.")
    place = find_place(text)
    assert place["province"] == "Thừa Thiên Huế"
    assert place["province_2025"] == "Huế"


def test_eth_is_normalised_and_tone_variants_match():
    text = ("Chuyển đổi số ở Krông Nô\n\nUBND huyện Krông Nô (tỉnh Ðắk Nông) đã số hóa 100% hồ sơ. "
            "Huyện Krông Nô còn thiếu cán bộ chuyên trách công nghệ thông tin.")
    place = find_place(text)
    assert place == {"province": "Đắk Nông", "district": "Krông Nô", "province_2025": "Lâm Đồng"}
    hoa = find_place("Tỉnh Khánh Hoà triển khai nền tảng số. UBND tỉnh Khánh Hoà giao chỉ tiêu cho sở, ngành.")
    assert hoa["province"] == "Khánh Hòa"
    assert name_key("Thuỷ Nguyên") == name_key("Thủy Nguyên")


def test_byline_equal_to_a_place_name_does_not_win():
    # ``Thanh Bình`` (a district of Đồng Tháp) as the reporter's name at the end
    text = ("Cán bộ xã học ký số\n\n"
            "Trong năm, tỉnh Bình Định đã tập huấn ký số cho 2.000 cán bộ cấp xã. "
            "Theo ông Nguyễn Văn Long, Giám đốc Sở, toàn tỉnh đã cấp 3.500 chứng thư số. "
            "UBND tỉnh yêu cầu tiếp tục đào tạo.\n\n"
            "Thanh Bình\n")
    place = find_place(text)
    assert place["province"] == "Bình Định"
    assert place["district"] is None


def test_byline_equal_to_a_province_is_not_the_place():
    # ``Thái Bình`` is a province and a common given name
    text = ("Toàn tỉnh có 120 tổ công nghệ số cộng đồng\n\n"
            "Năm qua, UBND tỉnh đã chỉ đạo các huyện thành lập tổ công nghệ số cộng đồng ở mọi thôn. "
            "Đến nay, toàn tỉnh có 120 tổ với 900 thành viên; tỉnh sẽ tiếp tục tập huấn kỹ năng số.\n\n"
            "Thái Bình\n")
    assert find_place(text)["province"] is None
    text2 = text.replace("Thái Bình\n", "Ông Nguyễn Thái Bình, Giám đốc Sở, cho biết như vậy.\n")
    assert find_place(text2)["province"] is None


def test_person_name_after_surname_is_not_a_place():
    text = ("Bí thư Tỉnh ủy Hà Tĩnh Trần Thanh Sơn phát biểu tại hội nghị. "
            "Theo báo cáo, tỉnh Hà Tĩnh đã hoàn thành 15/17 chỉ tiêu chuyển đổi số.")
    place = find_place(text)
    assert place["province"] == "Hà Tĩnh"
    assert place["district"] is None  # ``Thanh Sơn`` is a district of Phú Thọ, here a person


def test_national_report_has_neither():
    text = ("Bộ Thông tin và Truyền thông công bố Chỉ số chuyển đổi số năm 2022\n\n"
            "Theo báo cáo, giá trị trung bình chỉ số cấp tỉnh tăng 12% so với năm trước. "
            "Dẫn đầu là Đà Nẵng, Quảng Ninh, Thừa Thiên Huế, Bình Dương và Hà Nội; "
            "các bộ, ngành cũng cải thiện đáng kể.")
    assert find_place(text) == {"province": None, "district": None, "province_2025": None}


def test_province_wide_list_of_districts_has_no_district():
    text = ("Tỉnh Quảng Ngãi công bố chỉ số chuyển đổi số cấp huyện\n\n"
            "UBND tỉnh Quảng Ngãi vừa công bố kết quả. Đứng đầu là huyện Bình Sơn, tiếp theo là "
            "Sơn Tịnh, Tư Nghĩa, Nghĩa Hành, Mộ Đức, Đức Phổ, Ba Tơ và Minh Long. "
            "Huyện Bình Sơn đạt 92 điểm.")
    place = find_place(text)
    assert place["province"] == "Quảng Ngãi"
    assert place["district"] is None


def test_ambiguous_district_resolved_by_province():
    text = ("Huyện Châu Thành nâng cao chất lượng dịch vụ công\n\n"
            "Năm 2024, UBND huyện Châu Thành (tỉnh Trà Vinh) đã tiếp nhận 12.000 hồ sơ trực tuyến. "
            "Huyện Châu Thành phấn đấu đạt 80% hồ sơ trực tuyến toàn trình.")
    place = find_place(text)
    assert place["province"] == "Trà Vinh"
    assert place["district"] == "Châu Thành"


def test_provincial_capital_in_a_province_report_is_no_district():
    text = ("Tỉnh Yên Bái dẫn đầu về hồ sơ trực tuyến\n\n"
            "Năm 2023, tỉnh Yên Bái có 95% hồ sơ được tiếp nhận trực tuyến. Tại thành phố Yên Bái, "
            "bộ phận một cửa đã số hóa toàn bộ kết quả. Tỉnh Yên Bái tiếp tục giữ vững vị trí.")
    place = find_place(text)
    assert place["province"] == "Yên Bái"
    assert place["district"] is None


def test_ministry_document_place_line_does_not_decide():
    text = ("BỘ THÔNG TIN VÀ TRUYỀN THÔNG\nSố: 12/BC-BTTTT\nHà Nội, ngày 28 tháng 9 năm 2023\n"
            "BÁO CÁO\nChuyển đổi số quốc gia tháng 9 năm 2023\nCác bộ, ngành, địa phương đã triển khai.")
    assert find_place(text)["province"] is None
    assert find_published(text) == "2023-09-28"


def test_title_argument_counts():
    text = "Huyện đã trang bị đủ máy tính cho cán bộ. UBND huyện Na Hang tiếp tục đầu tư hạ tầng mạng."
    place = find_place(text, title="Huyện Na Hang đầu tư hạ tầng số")
    assert place["district"] == "Na Hang"
    assert place["province"] == "Tuyên Quang"


def test_street_named_after_a_place_is_not_the_place():
    text = ("Tỉnh Lạng Sơn khai trương Trung tâm điều hành thông minh\n\n"
            "Trung tâm đặt tại số 2 đường Điện Biên Phủ. UBND tỉnh Lạng Sơn cho biết trung tâm kết nối "
            "với 200 camera trên phố Hai Bà Trưng và các tuyến phố chính.")
    assert find_place(text) == {"province": "Lạng Sơn", "district": None, "province_2025": "Lạng Sơn"}


def test_brand_names_and_newspaper_signatures():
    text = ("Người dân dùng ứng dụng PhuYenPortal để nộp hồ sơ\n\n"
            "Ứng dụng PhuYenPortal đã có 50.000 lượt tải; UBND tỉnh giao Sở hỗ trợ người dân. "
            "Toàn tỉnh có 70% hồ sơ được nộp trực tuyến.")
    assert find_place(text)["province"] == "Phú Yên"
    text = ("BGĐT - Năm 2023, toàn tỉnh có 85% hồ sơ được nộp trực tuyến. "
            "UBND tỉnh đã giao chỉ tiêu cho từng sở, ngành.")
    assert find_place(text)["province"] == "Bắc Giang"


def test_numbered_district_and_former_district():
    q = find_place("Quận 12 đẩy mạnh chuyển đổi số\nUBND Quận 12 (TP.HCM) đã số hóa 100% hồ sơ. "
                   "Quận 12 đặt mục tiêu năm 2024 đạt 80% hồ sơ trực tuyến toàn trình.")
    assert (q["province"], q["district"]) == ("Hồ Chí Minh", "Quận 12")
    # merged into Phú Lộc in 2025, still a district before
    nd = find_place("Huyện Nam Đông phát triển nông nghiệp số\nNăm 2022, huyện Nam Đông đã đưa 120 sản phẩm "
                    "lên sàn thương mại điện tử. UBND huyện Nam Đông hỗ trợ nông dân mở tài khoản.")
    assert (nd["province"], nd["district"], nd["province_2025"]) == ("Thừa Thiên Huế", "Nam Đông", "Huế")


def test_commune_points_to_its_district():
    text = ("Kiểm tra cải cách hành chính tại xã Bình Lư\n\n"
            "Chiều 20/9, đoàn kiểm tra của huyện đã làm việc với UBND xã Bình Lư. "
            "Xã Bình Lư đã số hóa 95% hồ sơ; huyện đề nghị xã Bình Lư tiếp tục nâng cao tỷ lệ hồ sơ trực tuyến.")
    place = find_place(text)
    assert (place["province"], place["district"]) == ("Lai Châu", "Tam Đường")


@pytest.mark.parametrize("province, merged_into", [
    ("Bắc Giang", "Bắc Ninh"), ("Hà Giang", "Tuyên Quang"), ("Bà Rịa - Vũng Tàu", "Hồ Chí Minh"),
    ("Quảng Nam", "Đà Nẵng"), ("Hà Nội", "Hà Nội"),
])
def test_province_2025_of_merged_provinces(province, merged_into):
    text = f"Tỉnh {province} đẩy mạnh chuyển đổi số. UBND tỉnh {province} giao chỉ tiêu cho các sở."
    if province == "Hà Nội":
        text = "Thành phố Hà Nội đẩy mạnh chuyển đổi số. UBND thành phố Hà Nội giao chỉ tiêu."
    place = find_place(text)
    assert place["province"] == province
    assert place["province_2025"] == merged_into


# ---------------------------------------------------------------------------
# add_metadata
# ---------------------------------------------------------------------------
def test_add_metadata_fills_meta_and_leaves_out_none():
    doc = Document(id="t1", text=("Huyện Ia Grai triển khai chữ ký số\nCập nhật: 02/06/2023 | 10:00\n\n"
                                  "UBND huyện Ia Grai đã cấp 300 chứng thư số. Huyện Ia Grai đạt 90% văn bản ký số."))
    add_metadata(doc)
    assert doc.meta == {"published": "2023-06-02", "province": "Gia Lai", "district": "Ia Grai",
                        "province_2025": "Gia Lai"}
    national = add_metadata(Document(id="t2", text="Chuyển đổi số quốc gia đạt nhiều kết quả trong năm."))
    assert national.meta == {}


def test_add_metadata_keeps_caller_values():
    doc = Document(id="t3", text="Tỉnh Sơn La đẩy mạnh dịch vụ công. UBND tỉnh Sơn La giao chỉ tiêu.",
                   meta={"published": "05/12/2022", "province": "Điện Biên", "title": "Tin tức"})
    add_metadata(doc)
    assert doc.meta["published"] == "2022-12-05"       # normalised to ISO
    assert doc.meta["province"] == "Điện Biên"         # not overridden
    assert doc.meta["province_2025"] == "Điện Biên"
    assert "district" not in doc.meta


def test_add_metadata_keeps_unreadable_published_as_given():
    doc = Document(id="t4", text="Không có địa danh.", meta={"published": "đầu năm"})
    add_metadata(doc)
    assert doc.meta["published"] == "đầu năm"


# ---------------------------------------------------------------------------
# dev gold
# ---------------------------------------------------------------------------
@pytest.mark.skipif(not GOLD.exists(), reason="shared dev corpus not available")
def test_dev_gold_accuracy_floor():
    docs = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    fields = ("published", "province", "district")
    correct = dict.fromkeys(fields, 0)
    for d in docs:
        pred = add_metadata(Document(id=d["id"], text=d["text"], meta={})).meta
        gold = d.get("meta") or {}
        for f in fields:
            correct[f] += gold.get(f) == pred.get(f)
    accuracy = {f: correct[f] / len(docs) for f in fields}
    assert all(a >= 0.90 for a in accuracy.values()), accuracy
