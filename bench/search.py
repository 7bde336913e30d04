"""Benchmark of search (issue 6, "Figures"): Vanthu's search service beside a bare
Tantivy index and PostgreSQL full-text search, on the same synthetic Vietnamese
corpus and the same 50 queries, in one run; then the search page's server time.

    .venv/bin/python bench/search.py --docs 100000
    .venv/bin/python bench/search.py --docs 1000000 [--reload] [--rebuild]

Everything follows ../shared/reference/search-anchor.md:

- corpus (§2): deterministic generator, seed 20260101, one random.Random consumed
  in sequence (the first 100,000 documents of the 1,000,000 corpus are the 100,000
  corpus), written once as a PostgreSQL COPY file under --work;
- the 50 queries of §5/§7 (frequent, rare, phrase, filtered), copied exactly;
- timing (§5): one untimed warm-up pass over the 50 queries, then --reps timed
  passes in rep-major order; p95 by nearest rank.

Engines, one at a time (the others idle):

1. service: search.backends.tantivy.TantivyBackend.search with the SearchQuery
   search.services.search builds (parse_query, filters, ACL, total count, the five
   facets, snippets: what the search page asks for), for a person who sees every
   document through a group ("all") and one who sees 20 of the 200 organisations
   ("part"). Index built with TantivyBackend.rebuild (the service's own folding,
   accents, bigrams, identifiers).
2. bare Tantivy as the anchor §4: number/subject/body folded in Python, BM25 with
   boosts 5/5/1, filters as constant-score MUST clauses, top 20 + count, the
   stored id, number and subject of the 20 hits; no ACL, facets or snippets.
3. PostgreSQL as the anchor §3 in its own database (--pg-url): vi_unaccent
   (unaccent + simple), a generated weighted tsvector, GIN, ts_rank_cd, top 20 plus
   a separate count(*). The table docs_<N> is reused when it holds the corpus
   (--reload loads it again).

Then the page: GET /tim-kiem/ through Django's test Client (server time: URL
resolution, middleware, session and user, the service, the database reads for
the hits and facet labels, the template) against the service's index, with a
database (--page-db) that holds the 200 organisations, two people and the
documents the first pages show (granted as the index says).

Indexes and the corpus are kept under --work and reused (--rebuild builds the
Tantivy indexes again); their build times are those recorded when they were built.
The last line printed is the headline.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import re
import shutil
import statistics
import sys
import time
import unicodedata
from datetime import date, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(BASE_DIR))

SEED = 20260101

# ---------------------------------------------------------------------------
# Corpus (anchor §2)

# 20 provinces x 10 issuing units = 200 organisations.
PROVINCES = [
    "Tiền Giang", "Lạng Sơn", "Nghệ An", "Quảng Nam", "Đắk Lắk", "Bình Định",
    "Thái Bình", "Hà Giang", "Cà Mau", "Lâm Đồng", "Phú Thọ", "Quảng Ninh",
    "Bến Tre", "Sóc Trăng", "Hòa Bình", "Thừa Thiên Huế", "Khánh Hòa", "Yên Bái",
    "Long An", "Đồng Tháp",
]  # fmt: skip
UNITS = [  # (name, abbreviation in notations, departments for công văn)
    ("Ủy ban nhân dân tỉnh", "UBND", ["KT", "VX", "NC", "TH", "XD"]),
    ("Sở Xây dựng tỉnh", "SXD", ["QLXD", "KTQH", "VP"]),
    ("Sở Y tế tỉnh", "SYT", ["NVY", "KHTC", "VP"]),
    ("Sở Giáo dục và Đào tạo tỉnh", "SGDĐT", ["GDTrH", "KHTC", "VP"]),
    ("Sở Tài chính tỉnh", "STC", ["QLNS", "TCĐT", "VP"]),
    ("Sở Kế hoạch và Đầu tư tỉnh", "SKHĐT", ["TH", "ĐKKD", "VP"]),
    ("Sở Tài nguyên và Môi trường tỉnh", "STNMT", ["QLĐĐ", "MT", "VP"]),
    ("Sở Nông nghiệp và Phát triển nông thôn tỉnh", "SNNPTNT", ["TTBVTV", "VP"]),
    ("Sở Thông tin và Truyền thông tỉnh", "STTTT", ["CNTT", "BCVT", "VP"]),
    ("Sở Nội vụ tỉnh", "SNV", ["TCBC", "CCVC", "VP"]),
]
ORGANISATIONS = [  # id - 1 -> (name, abbreviation, departments)
    (f"{unit} {province}", abbr, depts)
    for province in PROVINCES
    for unit, abbr, depts in UNITS
]
ORG_CUM = list(
    __import__("itertools").accumulate(1 / (i + 5) ** 0.6 for i in range(200))
)

# 20 document types, weighted (code, name, abbreviation, weight).
TYPES = [
    ("cong_van", "Công văn", "", 30),
    ("quyet_dinh", "Quyết định", "QĐ", 18),
    ("thong_bao", "Thông báo", "TB", 10),
    ("bao_cao", "Báo cáo", "BC", 10),
    ("ke_hoach", "Kế hoạch", "KH", 8),
    ("to_trinh", "Tờ trình", "TTr", 5),
    ("giay_moi", "Giấy mời", "GM", 5),
    ("huong_dan", "Hướng dẫn", "HD", 3),
    ("chi_thi", "Chỉ thị", "CT", 2),
    ("chuong_trinh", "Chương trình", "CTr", 2),
    ("bien_ban", "Biên bản", "BB", 2),
    ("giay_gioi_thieu", "Giấy giới thiệu", "GGT", 1.5),
    ("nghi_quyet", "Nghị quyết", "NQ", 1),
    ("phuong_an", "Phương án", "PA", 0.8),
    ("de_an", "Đề án", "ĐA", 0.6),
    ("cong_dien", "Công điện", "CĐ", 0.5),
    ("quy_che", "Quy chế", "QC", 0.4),
    ("quy_dinh", "Quy định", "QyĐ", 0.4),
    ("hop_dong", "Hợp đồng", "HĐ", 0.4),
    ("thong_tu", "Thông tư", "TT", 0.3),
]
TYPE_CUM = list(__import__("itertools").accumulate(t[3] for t in TYPES))
TYPE_NAMES = {code: name for code, name, _abbr, _w in TYPES}

# Administrative words and phrases (full diacritics), most frequent first: drawn
# with the Zipf weight 1/(rank+3)^1.1. The anchor's list of 386 is not published;
# this one is written to the same rules and holds every word of the 50 queries.
_VOCABULARY = """
thực hiện|ủy ban nhân dân|quản lý nhà nước|thủ tục hành chính|
cải cách hành chính|đầu tư|kế hoạch|báo cáo|kết quả|triển khai|
dịch vụ công trực tuyến|ứng dụng công nghệ thông tin|ngân sách|quy hoạch|
đất đai|xây dựng|cấp phép|giấy phép xây dựng|hồ sơ trễ hạn|chữ ký số|giáo dục|
y tế|nông nghiệp|thủy lợi|phòng chống dịch|an toàn thông tin|chuyển đổi số|
tổng kết|phê duyệt|dự toán|quyết toán|biên chế|công chức|viên chức|
thi đua khen thưởng|phòng cháy chữa cháy|giải phóng mặt bằng|bồi thường|
tái định cư|môi trường|khoáng sản|tài nguyên nước|giao thông|
xây dựng nông thôn mới|hòa giải cơ sở|thủy sản|khuyến nông|hộ nghèo|
bảo hiểm xã hội|lao động|việc làm|du lịch|văn hóa|thể thao|kiểm tra|thanh tra|
khiếu nại|tố cáo|tiếp công dân|tổ chức|cán bộ|đơn vị|cơ quan|doanh nghiệp|
người dân|địa phương|trên địa bàn|các sở ban ngành|chính quyền|
hội đồng nhân dân|nhiệm vụ|giải pháp|chỉ tiêu|tiến độ|chất lượng|hiệu quả|
trách nhiệm|phối hợp|tăng cường|đẩy mạnh|rà soát|tổng hợp|đánh giá|kiểm soát|
giám sát|hướng dẫn|tuyên truyền|phổ biến|tập huấn|bồi dưỡng|đào tạo|
nguồn nhân lực|khoa học công nghệ|hạ tầng kỹ thuật|kinh tế xã hội|
phát triển bền vững|tăng trưởng|thu hút đầu tư|xúc tiến thương mại|
sản xuất kinh doanh|vốn đầu tư công|giải ngân|dự án|công trình|nghiệm thu|
bàn giao|bảo trì|sửa chữa|mua sắm|đấu thầu|tài sản công|tài chính|thuế|
phí và lệ phí|kho bạc nhà nước|kiểm toán|kế toán|chi thường xuyên|
chi đầu tư phát triển|thu ngân sách|quốc phòng|an ninh|trật tự an toàn xã hội|
an toàn giao thông|phòng chống tội phạm|ma túy|tệ nạn xã hội|cứu hộ cứu nạn|
phòng chống thiên tai|biến đổi khí hậu|hạn hán|xâm nhập mặn|ngập lụt|bão|
mưa lớn|lũ quét|sạt lở|đê điều|hồ chứa|kênh mương|cây trồng|vật nuôi|chăn nuôi|
dịch bệnh|tiêm phòng|thú y|bảo vệ thực vật|giống cây trồng|phân bón|
thuốc bảo vệ thực vật|lâm nghiệp|rừng phòng hộ|trồng rừng|chống cháy rừng|
đa dạng sinh học|khu bảo tồn|nước sạch|vệ sinh môi trường|rác thải|
chất thải rắn|xử lý nước thải|ô nhiễm|quan trắc|đánh giá tác động môi trường|
khai thác cát|bãi thải|đo đạc bản đồ|giấy chứng nhận quyền sử dụng đất|
thu hồi đất|giao đất|cho thuê đất|chuyển mục đích sử dụng đất|giá đất|
bảng giá đất|đăng ký đất đai|tranh chấp đất đai|quy hoạch sử dụng đất|
quy hoạch chung|quy hoạch chi tiết|đô thị|nhà ở|nhà ở xã hội|chung cư|
khu công nghiệp|cụm công nghiệp|khu kinh tế|hạ tầng giao thông|đường tỉnh|
quốc lộ|cầu|bến xe|vận tải|đăng kiểm|giấy phép lái xe|điện lực|năng lượng|
tiết kiệm năng lượng|bưu chính|viễn thông|internet|cổng thông tin điện tử|
hệ thống quản lý văn bản|phần mềm|cơ sở dữ liệu|dữ liệu dân cư|
định danh điện tử|thanh toán không dùng tiền mặt|chính phủ số|kinh tế số|
xã hội số|an ninh mạng|mã độc|sao lưu dữ liệu|máy chủ|trung tâm dữ liệu|
mạng diện rộng|hội nghị trực tuyến|thư điện tử công vụ|một cửa điện tử|
liên thông|bộ phận một cửa|tiếp nhận hồ sơ|trả kết quả|hồ sơ đúng hạn|
xin lỗi người dân|chỉ số hài lòng|chỉ số cải cách hành chính|
chỉ số năng lực cạnh tranh|kỷ luật kỷ cương|đạo đức công vụ|văn hóa công sở|
tinh giản biên chế|vị trí việc làm|sắp xếp tổ chức bộ máy|tuyển dụng|thi tuyển|
nâng ngạch|bổ nhiệm|luân chuyển|điều động|nghỉ hưu|chế độ chính sách|tiền lương|
phụ cấp|bảo hiểm y tế|bảo hiểm thất nghiệp|người có công|thương binh liệt sĩ|
trợ cấp|bảo trợ xã hội|trẻ em|người cao tuổi|người khuyết tật|bình đẳng giới|
phòng chống bạo lực gia đình|dân tộc thiểu số|vùng đồng bào dân tộc|tôn giáo|
tín ngưỡng|miền núi|giảm nghèo bền vững|hộ cận nghèo|nhà tạm|nhà dột nát|
cầu treo|đò ngang|bến đò|đường giao thông nông thôn|bê tông hóa|
kiên cố hóa kênh mương|trạm bơm|điện nông thôn|chợ nông thôn|nghĩa trang|
hỏa táng|mai táng|nghĩa trang nhân dân|an táng|địa giới hành chính|sáp nhập|
đơn vị hành chính|thôn tổ dân phố|trưởng thôn|chiếu sáng công cộng|trường học|
học sinh|giáo viên|sách giáo khoa|chương trình giáo dục phổ thông|tuyển sinh|
thi tốt nghiệp|phổ cập giáo dục|xóa mù chữ|học phí|bệnh viện|trạm y tế|
khám chữa bệnh|tiêm chủng|vắc xin|dân số|kế hoạch hóa gia đình|
an toàn thực phẩm|ngộ độc thực phẩm|dược phẩm|trang thiết bị y tế|
nhân viên y tế|y tế cơ sở|sốt xuất huyết|tay chân miệng|bệnh truyền nhiễm|
cách ly|xét nghiệm|khẩu trang|giãn cách|di tích|lễ hội|bảo tàng|thư viện|
nhà văn hóa|thiết chế văn hóa|gia đình văn hóa|làng văn hóa|quảng cáo|
biểu diễn nghệ thuật|karaoke|vũ trường|trò chơi điện tử|báo chí|xuất bản|
phát thanh truyền hình|thông tin cơ sở|phát ngôn|cung cấp thông tin|họp báo|
thương mại|thị trường|giá cả|bình ổn giá|hàng giả|gian lận thương mại|chợ|
siêu thị|xuất khẩu|nhập khẩu|nông sản|tiêu thụ nông sản|sầu riêng|thanh long|
cà phê|hồ tiêu|lúa gạo|rầy nâu|đạo ôn|dịch tả lợn châu Phi|cúm gia cầm|
lở mồm long móng|nuôi trồng thủy sản|khai thác thủy sản|tàu cá|đánh bắt xa bờ|
cảng cá|nghề muối|làng nghề|hợp tác xã|kinh tế tập thể|kinh tế tư nhân|
doanh nghiệp nhỏ và vừa|khởi nghiệp|đổi mới sáng tạo|sở hữu trí tuệ|
chuyển giao công nghệ|nghiên cứu khoa học|đề tài|tư pháp|hộ tịch|chứng thực|
phổ biến giáo dục pháp luật|văn bản quy phạm pháp luật|xử lý vi phạm hành chính|
xử phạt|công an|quân sự|hội nghị|phòng chống tham nhũng|kiến nghị|phản ánh
"""
PHRASES = [p.strip() for p in _VOCABULARY.replace("\n", "").split("|") if p.strip()]
assert len(PHRASES) == 386, len(PHRASES)
PHRASE_CUM = list(
    __import__("itertools").accumulate(1 / (r + 3) ** 1.1 for r in range(386))
)
HEADS = [
    "về việc", "triển khai", "phê duyệt", "hướng dẫn", "tăng cường", "ban hành",
    "đề nghị", "tổ chức", "kiện toàn", "chấn chỉnh",
]  # fmt: skip
CONNECTIVES = [
    "và", "của", "đối với", "theo", "trong", "về", "để", "nhằm", "tại", "cho",
    "với", "các", "những", "đã", "đang", "sẽ", "được", "trên cơ sở",
]  # fmt: skip
BOILERPLATE = [
    "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về "
    "công tác văn thư;",
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Thực hiện ý kiến chỉ đạo của Chủ tịch Ủy ban nhân dân tỉnh;",
    "Xét đề nghị của Giám đốc Sở Nội vụ;",
]


def _names(text: str) -> list[str]:
    return text.split()


# Long tail: person names (16 x 10 x 60), places (xã/thôn + 2 of 40 syllables),
# rare tokens (30, Zipf).
FAMILY = _names(
    "Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý"
)
MIDDLE = _names("Văn Thị Hữu Đức Minh Thanh Ngọc Quang Xuân Thu")
GIVEN = _names(
    "An Anh Bảo Bình Châu Chi Cường Dũng Duy Đạt Giang Hà Hải Hạnh Hằng Hiếu Hòa "
    "Hoa Hùng Hương Huy Khánh Khiêm Khoa Lan Linh Long Mai Minh Nam Nga Ngân Nghĩa "
    "Nhung Phong Phúc Phương Quân Quỳnh Sơn Tâm Thảo Thắng Thành Thủy Tiến Trang "
    "Trí Trung Tú Tuấn Uyên Vân Việt Vinh Xuyến Yến Hiền Thư Đông"
)
PLACE_SYLLABLES = _names(
    "Khe Lạc Bình An Đông Tây Phú Mỹ Tân Hòa Thạnh Lợi Long Phước Hưng Thuận Vĩnh "
    "Xuân Hồng Quang Trung Nghĩa Minh Hải Sơn Thủy Cẩm Kim Ngọc Đồng Tiến Thắng Lộc "
    "Yên Mường Nà Bản Pắc Cốc Lũng"
)
RARE = _names(
    "VNeID OCOP blockchain chatbot Wolbachia eKYC QR-code fintech drone IoT "
    "Zalo e-learning logistics startup podcast livestream metaverse PCI PAPI "
    "SIPAS ICT-Index ISO-9001 LGSP NDXP e-GP VssID iHanoi SmartCity hackathon "
    "geopark"
)
RARE_CUM = list(__import__("itertools").accumulate(1 / (r + 1) for r in range(30)))
START = date(2015, 1, 1)
DAYS = (date(2026, 10, 31) - START).days + 1


def _cut(words: list[str], n: int) -> list[str]:
    return words[:n]


def generate(n: int, seed: int = SEED):
    """(id, org_id, doc_type, number, issued, subject, body) of n documents."""
    rng = random.Random(seed)
    choices = rng.choices
    serial: dict[tuple[int, int], int] = {}
    for pk in range(1, n + 1):
        org = choices(range(1, 201), cum_weights=ORG_CUM)[0]
        code, type_name, abbr, _w = choices(TYPES, cum_weights=TYPE_CUM)[0]
        issued = START + timedelta(days=rng.randrange(DAYS))
        key = (org, issued.year)
        serial[key] = serial.get(key, 0) + 1
        org_name, unit, depts = ORGANISATIONS[org - 1]
        if abbr:
            number = f"{serial[key]}/{abbr}-{unit}"
        else:
            number = f"{serial[key]}/{unit}-{rng.choice(depts)}"
        # subject: a head, then phrases, cut to 8-25 words; sometimes "năm YYYY"
        limit = rng.randint(8, 25)
        words = rng.choice(HEADS).split()
        while len(words) < limit:
            words += choices(PHRASES, cum_weights=PHRASE_CUM)[0].split()
        words = _cut(words, limit)
        if rng.random() < 0.2:
            words += ["năm", str(issued.year)]
        subject = " ".join(words)
        # body: boilerplate sometimes, "<organisation> thông báo/đề nghị:", then
        # clauses of phrases and connectives, cut to 80-150 words
        limit = rng.randint(80, 150)
        words = []
        if rng.random() < 0.4:
            words += rng.choice(BOILERPLATE).split()
        words += org_name.split() + [rng.choice(["thông báo:", "đề nghị:"])]
        while len(words) < limit:
            clause = []
            for _ in range(rng.randint(2, 5)):
                clause += choices(PHRASES, cum_weights=PHRASE_CUM)[0].split()
                if rng.random() < 0.6:
                    clause.append(rng.choice(CONNECTIVES))
            words += clause
            words[-1] += rng.choice([",", ";", "."])
        words = _cut(words, limit)
        tail = []
        if rng.random() < 0.5:
            tail += [
                "ông/bà",
                rng.choice(FAMILY),
                rng.choice(MIDDLE),
                rng.choice(GIVEN),
            ]
        if rng.random() < 0.3:
            tail += [rng.choice(["xã", "thôn"]), *rng.sample(PLACE_SYLLABLES, 2)]
        if rng.random() < 0.03:
            tail.append(choices(RARE, cum_weights=RARE_CUM)[0])
        if tail:
            at = rng.randrange(len(words))
            words[at:at] = tail
        body = " ".join(words)
        yield pk, org, code, number, issued, subject, body


def _copy_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def corpus_file(work: Path, n: int) -> Path:
    """The COPY-format file of the corpus of n documents (made once)."""
    path = work / f"corpus-{n}.tsv"
    if path.exists():
        return path
    tmp = path.with_suffix(".tmp")
    started = time.perf_counter()
    with open(tmp, "w", encoding="utf-8") as out:
        for pk, org, code, number, issued, subject, body in generate(n):
            out.write(
                f"{pk}\t{org}\t{code}\t{_copy_escape(number)}\t{issued.isoformat()}"
                f"\t{_copy_escape(subject)}\t{_copy_escape(body)}\n"
            )
    tmp.replace(path)
    print(
        f"corpus: generated {n:,} documents in {time.perf_counter() - started:.1f} s "
        f"({path.stat().st_size / 2**20:.0f} MiB)"
    )
    return path


def read_corpus(path: Path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            pk, org, code, number, issued, subject, body = line.rstrip("\n").split("\t")
            yield int(pk), int(org), code, number, issued, subject, body


# ---------------------------------------------------------------------------
# The 50 queries (anchor §5 and §7): (qid, class, mode, text, orgs, from, to)

QUERIES = [
    ("F01", "frequent", "and", "cap phep xay dung", None, None, None),
    ("F02", "frequent", "and", "dịch vụ công trực tuyến", None, None, None),
    ("F03", "frequent", "and", "thu tuc hanh chinh", None, None, None),
    ("F04", "frequent", "and", "cải cách hành chính", None, None, None),
    ("F05", "frequent", "and", "ung dung cong nghe thong tin", None, None, None),
    ("F06", "frequent", "and", "ủy ban nhân dân tỉnh", None, None, None),
    ("F07", "frequent", "and", "ke hoach trien khai", None, None, None),
    ("F08", "frequent", "and", "quản lý nhà nước", None, None, None),
    ("F09", "frequent", "and", "ngan sach", None, None, None),
    ("F10", "frequent", "and", "đầu tư", None, None, None),
    ("F11", "frequent", "and", "quy hoach dat dai", None, None, None),
    ("F12", "frequent", "and", "báo cáo kết quả thực hiện", None, None, None),
    ("R01", "rare", "and", "ray nau", None, None, None),
    ("R02", "rare", "and", "karaoke", None, None, None),
    ("R03", "rare", "and", "VNeID", None, None, None),
    ("R04", "rare", "and", "wolbachia", None, None, None),
    ("R05", "rare", "and", "chatbot", None, None, None),
    ("R06", "rare", "and", "dịch tả lợn châu Phi", None, None, None),
    ("R07", "rare", "and", "hỏa táng", None, None, None),
    ("R08", "rare", "and", "Nguyễn Thị Xuyến", None, None, None),
    ("R09", "rare", "and", "xa khe lac", None, None, None),
    ("R10", "rare", "and", "blockchain", None, None, None),
    ("R11", "rare", "and", "cầu treo đò ngang", None, None, None),
    ("R12", "rare", "and", "lu quet sat lo", None, None, None),
    ("P01", "phrase", "phrase", "cap phep xay dung", None, None, None),
    ("P02", "phrase", "phrase", "dịch vụ công trực tuyến", None, None, None),
    ("P03", "phrase", "phrase", "hồ sơ trễ hạn", None, None, None),
    ("P04", "phrase", "phrase", "chu ky so", None, None, None),
    ("P05", "phrase", "phrase", "an toàn thông tin", None, None, None),
    ("P06", "phrase", "phrase", "phòng chống dịch", None, None, None),
    ("P07", "phrase", "phrase", "ứng dụng công nghệ thông tin", None, None, None),
    ("P08", "phrase", "phrase", "giay phep xay dung", None, None, None),
    ("P09", "phrase", "phrase", "Trần Văn Khiêm", None, None, None),
    ("P10", "phrase", "phrase", "sầu riêng", None, None, None),
    ("P11", "phrase", "phrase", "15/QĐ-UBND", None, None, None),
    ("P12", "phrase", "phrase", "27/KH-SYT", None, None, None),
    ("X01", "filtered", "and", "cap phep xay dung", (1,), None, None),
    ("X02", "filtered", "and", "dịch vụ công trực tuyến", (57,), None, None),
    ("X03", "filtered", "and", "ho so tre han", (2, 3, 4), None, None),
    ("X04", "filtered", "and", "chữ ký số", (131, 132, 133, 134, 135), None, None),
    ("X05", "filtered", "and", "ngân sách", None, "2024-01-01", "2024-12-31"),
    ("X06", "filtered", "and", "quy hoach dat dai", None, "2020-01-01", "2021-12-31"),
    ("X07", "filtered", "phrase", "phòng chống dịch", None, "2020-01-01", "2021-12-31"),
    ("X08", "filtered", "and", "an toan thong tin", (9,), "2023-01-01", "2026-12-31"),
    ("X09", "filtered", "and", "karaoke", tuple(range(1, 11)), None, None),
    ("X10", "filtered", "and", "thủ tục hành chính", (42,), None, None),
    ("X11", "filtered", "and", "cai cach hanh chinh", None, "2025-01-01", "2026-12-31"),
    ("X12", "filtered", "phrase", "hồ sơ trễ hạn", (1, 11, 21, 31, 41), None, None),
    ("X13", "filtered", "and", "tiêm chủng", (3,), "2022-01-01", "2022-12-31"),
    ("X14", "filtered", "and", "VNeID", None, "2023-01-01", "2026-12-31"),
]  # fmt: skip
CLASSES = ("frequent", "rare", "phrase", "filtered")


def typed(mode: str, text: str) -> str:
    """What a person types for the query: a phrase in quotes; a document number
    as it is (the service makes it an identifier: keyword or phrase of parts)."""
    if mode == "phrase" and "/" not in text:
        return f'"{text}"'
    return text


# ---------------------------------------------------------------------------
# Timing


def p95(values):
    values = sorted(values)
    return values[max(0, math.ceil(0.95 * len(values)) - 1)]


def run_passes(label: str, run_one, reps: int, *, cpu: bool = True) -> dict:
    """One warm-up pass, then `reps` timed passes over the 50 queries (rep-major).
    run_one(query) -> total hits. Wall time, and the process's CPU time (all its
    threads) where the work is in this process: with other programs on the cores,
    CPU time shows the cost of a query, wall time also the waiting."""
    totals = {}
    for q in QUERIES:  # warm-up, untimed
        totals[q[0]] = run_one(q)
    wall: dict[str, list[float]] = {q[0]: [] for q in QUERIES}
    cpus: list[float] = []
    with _priority():
        for _rep in range(reps):
            for q in QUERIES:
                c0, t0 = time.process_time(), time.perf_counter()
                run_one(q)
                wall[q[0]].append((time.perf_counter() - t0) * 1000)
                cpus.append((time.process_time() - c0) * 1000)
    every = [t for ts in wall.values() for t in ts]
    by_class = {
        c: [t for q in QUERIES if q[1] == c for t in wall[q[0]]] for c in CLASSES
    }
    result = {
        "label": label,
        "median": statistics.median(every),
        "p95": p95(every),
        "max": max(every),
        "cpu_median": statistics.median(cpus) if cpu else None,
        "cpu_p95": p95(cpus) if cpu else None,
        "classes": {c: (statistics.median(v), p95(v)) for c, v in by_class.items()},
        "per_query": {k: statistics.median(v) for k, v in wall.items()},
        "totals": totals,
    }
    cpu_text = (
        f"   CPU median {result['cpu_median']:7.2f} p95 {result['cpu_p95']:7.2f}"
        if cpu
        else "   (CPU in the server)"
    )
    print(
        f"{label:<28} median {result['median']:8.2f} ms   p95 {result['p95']:8.2f} ms"
        f"   max {result['max']:8.2f} ms{cpu_text}   ({len(every)} executions)"
    )
    print(
        "    "
        + "  ".join(f"{c} {m:.2f}/{p:.2f}" for c, (m, p) in result["classes"].items())
        + "  (class median/p95 ms, wall)"
    )
    return result


@contextlib.contextmanager
def _priority():
    """--nice N: this process at that priority while it times queries (root may
    raise it above the test suites sharing the cores), back to 0 after."""
    if not NICE:
        yield
        return
    try:
        os.setpriority(os.PRIO_PROCESS, 0, NICE)
    except OSError:
        yield
        return
    try:
        yield
    finally:
        os.setpriority(os.PRIO_PROCESS, 0, 0)


NICE = 0


# ---------------------------------------------------------------------------
# Engine 1: the service's backend

GROUP_ALL = 1000  # the group every document is granted to ("all" person)
PART_ORGS = tuple(range(1, 21))  # the "part" person's 20 organisations


def acl_tokens(org: int) -> tuple[str, ...]:
    return (f"g:{org}", f"g:{GROUP_ALL}")


def index_documents(path: Path):
    from search.backends.base import IndexDocument

    for pk, org, code, number, issued, subject, body in read_corpus(path):
        org_name = ORGANISATIONS[org - 1][0]
        serial, _, notation = number.partition("/")
        issued_date = date.fromisoformat(issued)
        type_name = TYPE_NAMES[code]
        yield IndexDocument(
            id=pk,
            organisation_id=org,
            organisation_name=org_name,
            document_type=code,
            document_type_name=type_name,
            direction="di",
            state="issued",
            urgency=(0, 0, 0, 0, 0, 0, 1, 1, 2, 3)[pk % 10],
            secrecy=0,
            number=serial,
            notation=notation,
            number_notation=number,
            organ_name=org_name,
            subject=subject,
            title=f"{type_name} số {number} {subject}",
            issued_date=issued_date,
            register_id=None,
            register_number=None,
            acl=acl_tokens(org),
            text=body,
            sort_date=issued_date,
        )


def build_recorded(work: Path, name: str, n: int, rebuild: bool, build) -> dict:
    """Run build() unless its result is recorded (and --rebuild not given)."""
    record = work / f"{name}-{n}.json"
    if record.exists() and not rebuild:
        info = json.loads(record.read_text())
        info["reused"] = True
        return info
    started = time.perf_counter()
    extra = build() or {}
    seconds = time.perf_counter() - started
    info = {"docs": n, "seconds": seconds, "per_second": n / seconds, **extra}
    record.write_text(json.dumps(info))
    info["reused"] = False
    return info


def service_queries():
    from search.backends.base import Filters
    from search.services import parse_query

    parsed = {}
    for qid, _cls, mode, text, orgs, d0, d1 in QUERIES:
        terms, phrases, identifiers, _notes = parse_query(typed(mode, text))
        filters = Filters(
            organisation_ids=orgs or (),
            date_from=date.fromisoformat(d0) if d0 else None,
            date_to=date.fromisoformat(d1) if d1 else None,
        )
        parsed[qid] = (terms, phrases, identifiers, filters)
    return parsed


def bench_service(path: Path, reps: int) -> dict:
    from search.backends.base import FACETS, Acl, SearchQuery
    from search.backends.tantivy import TantivyBackend

    backend = TantivyBackend(path=path, lock_timeout=60)
    parsed = service_queries()
    people = {
        "all": Acl(tokens=frozenset({"u:1", f"g:{GROUP_ALL}"}), max_secrecy=0),
        "part": Acl(
            tokens=frozenset({"u:2", *(f"g:{o}" for o in PART_ORGS)}), max_secrecy=0
        ),
    }
    out = {}
    for who, acl in people.items():

        def run_one(q, acl=acl):
            terms, phrases, identifiers, filters = parsed[q[0]]
            results = backend.search(
                SearchQuery(
                    acl=acl,
                    terms=terms,
                    phrases=phrases,
                    identifiers=identifiers,
                    filters=filters,
                    limit=20,
                    facets=FACETS,
                )
            )
            return results.total

        out[who] = run_passes(f"service ({who})", run_one, reps)
    return out


# ---------------------------------------------------------------------------
# Engine 2: bare Tantivy (anchor §4)

_FOLD = re.compile(r"[\u0300-\u036f]")


def fold(s: str) -> str:
    s = s.replace("Đ", "D").replace("đ", "d")
    s = unicodedata.normalize("NFD", s)
    return _FOLD.sub("", s).lower()


def _bare_schema():
    import tantivy

    sb = tantivy.SchemaBuilder()
    for name in ("id", "org_id", "issued"):
        sb.add_integer_field(name, stored=True, indexed=True, fast=True)
    sb.add_text_field("doc_type", tokenizer_name="raw", stored=True)
    for name in ("number", "subject", "body"):
        sb.add_text_field(name, index_option="position")
    for name in ("number_o", "subject_o", "body_o"):
        sb.add_bytes_field(name, stored=True)
    return sb.build()


def build_bare(corpus: Path, path: Path) -> None:
    import tantivy

    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    index = tantivy.Index(_bare_schema(), path=str(path))
    writer = index.writer(heap_size=1_000_000_000, num_threads=2)
    for pk, org, code, number, issued, subject, body in read_corpus(corpus):
        d = tantivy.Document()
        d.add_integer("id", pk)
        d.add_integer("org_id", org)
        d.add_integer("issued", int(issued.replace("-", "")))
        d.add_text("doc_type", code)
        d.add_text("number", fold(number))
        d.add_text("subject", fold(subject))
        d.add_text("body", fold(body))
        d.add_bytes("number_o", number.encode())
        d.add_bytes("subject_o", subject.encode())
        d.add_bytes("body_o", body.encode())
        writer.add_document(d)
    writer.commit()
    writer.wait_merging_threads()


def bench_bare(path: Path, reps: int) -> dict:
    import tantivy
    from tantivy import FieldType, Occur, Query

    schema = _bare_schema()
    index = tantivy.Index(schema, path=str(path))
    index.reload()
    searcher = index.searcher()

    def run_one(q):
        _qid, _cls, mode, text, orgs, d0, d1 = q
        tokens = re.findall(r"[0-9a-z]+", fold(text))
        qtext = " ".join(tokens) if mode == "and" else '"' + " ".join(tokens) + '"'
        query = index.parse_query(
            qtext,
            ["number", "subject", "body"],
            field_boosts={"number": 5.0, "subject": 5.0, "body": 1.0},
            conjunction_by_default=True,
        )
        clauses = [(Occur.Must, query)]
        if orgs:
            clauses.append(
                (
                    Occur.Must,
                    Query.const_score_query(
                        Query.term_set_query(schema, "org_id", list(orgs)), 0.0
                    ),
                )
            )
        if d0:
            r = Query.range_query(
                schema,
                "issued",
                FieldType.Integer,
                int(d0.replace("-", "")),
                int(d1.replace("-", "")),
            )
            clauses.append((Occur.Must, Query.const_score_query(r, 0.0)))
        if len(clauses) > 1:
            query = Query.boolean_query(clauses)
        result = searcher.search(query, limit=20, count=True)
        for _score, address in result.hits:
            doc = searcher.doc(address)
            doc.get_first("id"), doc.get_first("number_o"), doc.get_first("subject_o")
        return result.count

    return run_passes("bare Tantivy", run_one, reps)


# ---------------------------------------------------------------------------
# Engine 3: PostgreSQL full-text search (anchor §3)

PG_SESSION = (
    "SET work_mem = '64MB'",
    "SET jit = off",
    "SET random_page_cost = 1.1",
    "SET effective_cache_size = '16GB'",
)


def _pg_connect(url: str):
    import psycopg

    conn = psycopg.connect(url, autocommit=True, prepare_threshold=None)
    for statement in PG_SESSION:
        conn.execute(statement)
    return conn


def pg_prepare(url: str, corpus: Path, n: int, reload: bool) -> dict:
    """Create the database, the configuration and the table docs_<n>; load the
    corpus unless the table already holds it."""
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    table = f"docs_{n}"
    with _pg_connect(url) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        if not conn.execute(
            "SELECT 1 FROM pg_ts_config WHERE cfgname = 'vi_unaccent'"
        ).fetchone():
            conn.execute("CREATE TEXT SEARCH CONFIGURATION vi_unaccent (COPY = simple)")
            conn.execute(
                "ALTER TEXT SEARCH CONFIGURATION vi_unaccent ALTER MAPPING FOR "
                "word, hword, hword_part WITH unaccent, simple"
            )
        held = None
        if conn.execute("SELECT to_regclass(%s)", [table]).fetchone()[0]:
            held = conn.execute(f"SELECT count(*), max(id) FROM {table}").fetchone()  # noqa: S608
        record = corpus.parent / f"pg-{n}.json"
        if held == (n, n) and not reload and record.exists():
            info = json.loads(record.read_text())
            info["reused"] = True
            return info
        steps = {}

        def step(label, statement):
            t0 = time.perf_counter()
            conn.execute(statement)
            steps[label] = time.perf_counter() - t0

        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(
            f"""CREATE TABLE {table} (
              id integer NOT NULL, org_id integer NOT NULL, doc_type text NOT NULL,
              number text NOT NULL, issued_date date NOT NULL, subject text NOT NULL,
              body text NOT NULL,
              tsv tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('vi_unaccent'::regconfig,
                                      number || ' ' || subject), 'A') ||
                setweight(to_tsvector('vi_unaccent'::regconfig, body), 'C')) STORED)"""
        )
        t0 = time.perf_counter()
        copy_sql = (
            f"COPY {table} (id, org_id, doc_type, number, issued_date, subject, "
            "body) FROM STDIN"
        )
        # client-side COPY (the server may not read this machine's /tmp)
        with conn.cursor() as cur, cur.copy(copy_sql) as copy, open(corpus, "rb") as f:
            while block := f.read(1 << 20):
                copy.write(block)
        steps["copy"] = time.perf_counter() - t0
        step("primary key", f"ALTER TABLE {table} ADD PRIMARY KEY (id)")
        step("gin", f"CREATE INDEX {table}_tsv_gin ON {table} USING gin (tsv)")
        step("org_id", f"CREATE INDEX {table}_org_idx ON {table} (org_id)")
        step("issued_date", f"CREATE INDEX {table}_date_idx ON {table} (issued_date)")
        step("vacuum analyze", f"VACUUM (ANALYZE) {table}")
        conn.execute("CHECKPOINT")
        total = sum(steps.values())
        info = {
            "docs": n,
            "seconds": total,
            "per_second": n / total,
            "steps": steps,
            "size_mib": conn.execute(
                "SELECT pg_total_relation_size(%s) / 1048576.0", [table]
            ).fetchone()[0],
        }
        info["size_mib"] = float(info["size_mib"])
        record.write_text(json.dumps(info))
        info["reused"] = False
        return info


def bench_pg(url: str, n: int, reps: int) -> dict:
    table = f"docs_{n}"
    conn = _pg_connect(url)

    def run_one(q):
        _qid, _cls, mode, text, orgs, d0, d1 = q
        fn = "plainto_tsquery" if mode == "and" else "phraseto_tsquery"
        where = "tsv @@ q"
        params = {"q": text}
        if orgs:
            where += " AND org_id = ANY(%(orgs)s)"
            params["orgs"] = list(orgs)
        if d0:
            where += " AND issued_date BETWEEN %(d0)s AND %(d1)s"
            params["d0"], params["d1"] = d0, d1
        source = f"{table}, {fn}('vi_unaccent', %(q)s) AS q"
        rows = conn.execute(
            f"SELECT id, number, subject, ts_rank_cd(tsv, q) AS rank FROM {source} "  # noqa: S608
            f"WHERE {where} ORDER BY rank DESC, id LIMIT 20",
            params,
        ).fetchall()
        del rows
        return conn.execute(
            f"SELECT count(*) FROM {source} WHERE {where}",  # noqa: S608
            params,
        ).fetchone()[0]

    backend_pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    try:
        if NICE:  # the server process that answers this connection, too
            with contextlib.suppress(OSError):
                os.setpriority(os.PRIO_PROCESS, backend_pid, NICE)
        return run_passes("PostgreSQL FTS", run_one, reps, cpu=False)
    finally:
        conn.close()


# ---------------------------------------------------------------------------
# The search page


def page_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def page_seed(corpus: Path, ids: set[int]) -> tuple:
    """Organisations 1..200, groups 1..200 and GROUP_ALL, the two people, and the
    documents `ids` (granted to their organisation's group and GROUP_ALL, as
    acl_tokens says). Idempotent."""
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection, transaction
    from guardian.models import GroupObjectPermission

    from directory.models import Organisation, User
    from documents.models import Document, DocumentType
    from documents.types import ensure_document_types
    from search.acl import _view_permission

    call_command("migrate", verbosity=0)
    ensure_document_types()
    with transaction.atomic():
        for code, name, abbr, _w in TYPES:
            DocumentType.objects.get_or_create(
                code=code, defaults={"name": name, "abbreviation": abbr}
            )
        if Organisation.objects.filter(pk=200).count() == 0:
            Organisation.objects.bulk_create(
                Organisation(
                    pk=i + 1,
                    code=f"000.00.{i // 100:02d}.H{i % 100:02d}",
                    name=name,
                    short_name=abbr,
                    kind="ubnd" if abbr == "UBND" else "so",
                    path=f"/{i + 1}/",
                    place_name=PROVINCES[i // 10],
                )
                for i, (name, abbr, _d) in enumerate(ORGANISATIONS)
            )
            Group.objects.bulk_create(
                [Group(pk=o, name=f"bench-org-{o}") for o in range(1, 201)]
                + [Group(pk=GROUP_ALL, name="bench-all")]
            )
            with connection.cursor() as cur:
                for table in ("directory_organisation", "auth_group"):
                    cur.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT max(id) FROM {table}))"
                    )
        people = {}
        for username, groups in (
            ("bench.all", [GROUP_ALL]),
            ("bench.part", list(PART_ORGS)),
        ):
            user, created = User.objects.get_or_create(
                username=username,
                defaults={"organisation_id": 1, "full_name": username},
            )
            if created:
                user.set_password("bench")
                user.save()
                user.groups.set(groups)
            people[username] = user
        have = set(
            Document.objects.filter(pk__in=list(ids)).values_list("pk", flat=True)
        )
        missing = ids - have
        if missing:
            creator = people["bench.all"]
            docs = []
            for pk, org, code, number, issued, subject, _body in read_corpus(corpus):
                if pk in missing:
                    serial, _, notation = number.partition("/")
                    docs.append(
                        Document(
                            pk=pk,
                            organisation_id=org,
                            direction="di",
                            state="issued",
                            document_type=DocumentType.objects.get(code=code),
                            code_number=serial,
                            code_notation=notation,
                            issued_date=date.fromisoformat(issued),
                            organ_name=ORGANISATIONS[org - 1][0],
                            subject=subject[:500],
                            created_by=creator,
                        )
                    )
            Document.objects.bulk_create(docs)
            permission = _view_permission()
            GroupObjectPermission.objects.bulk_create(
                GroupObjectPermission(
                    content_type=permission.content_type,
                    permission=permission,
                    object_pk=str(d.pk),
                    group_id=group,
                )
                for d in docs
                for group in (d.organisation_id, GROUP_ALL)
            )
    return people["bench.all"], people["bench.part"]


def page_params(q) -> dict:
    _qid, _cls, mode, text, orgs, d0, d1 = q
    params = {"q": typed(mode, text)}
    if orgs:
        params["organisation"] = [str(o) for o in orgs]
    if d0:
        params["date_from"], params["date_to"] = d0, d1
    return params


def bench_page(corpus: Path, index_path: Path, reps: int) -> dict:
    from django.conf import settings
    from django.test import Client

    from search.backends import reset_backends

    # Not setup_test_environment(): it instruments every template render (a
    # signal and a copy of the context per include) and would time the test
    # harness, not the server.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False
    settings.VANTHU_SEARCH = {
        **settings.VANTHU_SEARCH,
        "BACKEND": "search.backends.tantivy.TantivyBackend",
        "OPTIONS": {"path": str(index_path), "lock_timeout": 60},
    }
    reset_backends()
    # The documents the first pages show: the service's answers, then seeded.
    from search.backends import get_backend
    from search.backends.base import FACETS, Acl, SearchQuery

    parsed = service_queries()
    ids: set[int] = set()
    for tokens in ({f"g:{GROUP_ALL}"}, {f"g:{o}" for o in PART_ORGS}):
        for q in QUERIES:
            terms, phrases, identifiers, filters = parsed[q[0]]
            results = get_backend().search(
                SearchQuery(
                    acl=Acl(tokens=frozenset(tokens), max_secrecy=0),
                    terms=terms,
                    phrases=phrases,
                    identifiers=identifiers,
                    filters=filters,
                    facets=FACETS,
                )
            )
            ids.update(h.id for h in results.hits)
    people = page_seed(corpus, ids)
    out = {}
    for user in people:
        client = Client()
        client.force_login(user)
        errors = []

        def run_one(q, client=client, errors=errors):
            response = client.get("/tim-kiem/", page_params(q))
            if response.status_code != 200:
                raise RuntimeError(f"{q[0]}: HTTP {response.status_code}")
            body = response.content
            if b"search-hit__title" not in body:
                errors.append(q[0])
            return len(body)

        out[user.username] = run_passes(
            f"page /tim-kiem/ ({user.username})", run_one, reps
        )
        no_hits = sorted(set(errors))
        if no_hits:
            print(f"    pages without hits for {user.username}: {', '.join(no_hits)}")
    return out


# ---------------------------------------------------------------------------


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000)
    parser.add_argument("--work", default="/tmp/vanthu-bench-search")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument(
        "--engines", default="service,bare,pg,page", help="comma-separated subset"
    )
    parser.add_argument(
        "--pg-url", default="postgres://postgres@127.0.0.1:5432/vanthu_bench_fts"
    )
    parser.add_argument(
        "--page-db", default="postgres://postgres@127.0.0.1:5432/vanthu_bench_page"
    )
    parser.add_argument("--reload", action="store_true", help="load PostgreSQL again")
    parser.add_argument(
        "--build-only", action="store_true", help="make corpus and indexes, then stop"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="build the Tantivy indexes again"
    )
    parser.add_argument(
        "--nice",
        type=int,
        default=0,
        help="priority while timing (negative: before other programs; root only)",
    )
    args = parser.parse_args()
    global NICE
    NICE = args.nice
    engines = set(args.engines.split(","))
    n = args.docs
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)

    if "page" in engines:
        os.environ["DATABASE_URL"] = args.page_db
        page_database(args.page_db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vanthu.settings.test")
    import django

    django.setup()

    print(
        f"search benchmark: {n:,} documents, {args.reps} passes x 50 queries, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"load average {_load()}, {os.cpu_count()} cores"
    )
    corpus = corpus_file(work, n)
    service_path = work / f"service-{n}"
    bare_path = work / f"bare-{n}"
    builds = {}
    if engines & {"service", "page"}:
        from search.backends.tantivy import TantivyBackend

        def build_service():
            shutil.rmtree(service_path, ignore_errors=True)
            TantivyBackend(path=service_path, lock_timeout=60).rebuild(
                index_documents(corpus)
            )

        builds["service"] = build_recorded(
            work, "service", n, args.rebuild or not service_path.exists(), build_service
        )
    if "bare" in engines:
        builds["bare"] = build_recorded(
            work,
            "bare",
            n,
            args.rebuild or not bare_path.exists(),
            lambda: build_bare(corpus, bare_path),
        )
    if "pg" in engines:
        builds["pg"] = pg_prepare(args.pg_url, corpus, n, args.reload)
    for name, info in builds.items():
        print(
            f"indexing {name:<8} {info['seconds']:7.1f} s  "
            f"{info['per_second']:8.0f} documents/s"
            + ("  (recorded when built)" if info.get("reused") else "")
            + (f"  {info['steps']}" if "steps" in info else "")
        )

    if args.build_only:
        return
    results = {}
    if "service" in engines:
        results.update(
            {
                f"service_{k}": v
                for k, v in bench_service(service_path, args.reps).items()
            }
        )
    if "bare" in engines:
        results["bare"] = bench_bare(bare_path, args.reps)
    if "pg" in engines:
        results["pg"] = bench_pg(args.pg_url, n, args.reps)
    if "page" in engines:
        results.update(
            {
                f"page_{k}": v
                for k, v in bench_page(corpus, service_path, args.reps).items()
            }
        )

    # Hit counts side by side (the service also matches the type name and the
    # organisation in the title, and phrases across subject and body).
    labels = [k for k in ("service_all", "service_part", "bare", "pg") if k in results]
    if labels:
        print("\nqid   " + "".join(f"{k:>14}" for k in labels) + "   query")
        for q in QUERIES:
            print(
                f"{q[0]:<6}"
                + "".join(f"{results[k]['totals'][q[0]]:>14,}" for k in labels)
                + f"   {q[3]}"
                + (f"  org {','.join(map(str, q[4]))}" if q[4] else "")
                + (f"  {q[5]}..{q[6]}" if q[5] else "")
            )
        print("\nper-query medians (ms)")
        print("qid   " + "".join(f"{k:>14}" for k in labels))
        for q in QUERIES:
            print(
                f"{q[0]:<6}"
                + "".join(f"{results[k]['per_query'][q[0]]:>14.2f}" for k in labels)
            )
    out = work / f"results-{n}.json"
    out.write_text(json.dumps({"builds": builds, "results": results}, default=str))

    def fig(key, cpu=False):
        r = results.get(key)
        if not r:
            return "-"
        if cpu:
            return f"{r['cpu_median']:.1f}/{r['cpu_p95']:.1f}"
        return f"{r['median']:.1f}/{r['p95']:.1f}"

    ratios = []
    s, b, pg = results.get("service_all"), results.get("bare"), results.get("pg")
    if s and b:
        ratios.append(
            f"service/bare wall median {s['median'] / b['median']:.2f}x "
            f"p95 {s['p95'] / b['p95']:.2f}x; CPU median "
            f"{s['cpu_median'] / b['cpu_median']:.2f}x "
            f"p95 {s['cpu_p95'] / b['cpu_p95']:.2f}x"
        )
    if s and pg:
        ratios.append(
            f"PostgreSQL/service wall median {pg['median'] / s['median']:.1f}x "
            f"p95 {pg['p95'] / s['p95']:.1f}x"
        )
    print("\n" + "; ".join(ratios))
    print(f"load average now {_load()}; results in {out}")
    pages = "/".join(
        fig(k) for k in ("page_bench.all", "page_bench.part") if k in results
    )
    print(
        f"HEADLINE {n:,} docs, median/p95 ms wall (CPU): service {fig('service_all')} "
        f"({fig('service_all', True)}), part {fig('service_part')}, bare Tantivy "
        f"{fig('bare')} ({fig('bare', True)}), PostgreSQL {fig('pg')}, page "
        f"all/part {pages or '-'}; load {_load()}"
    )


if __name__ == "__main__":
    main()
