"""The document types of Decree 30/2020/NĐ-CP Đ7 with their abbreviations (Phụ lục
III). Công văn and thư công have no abbreviation: a công văn's notation is
`<agency>-<unit>` (`05/UBND-VX`), never "CV"."""

# (code, name, abbreviation, rank)
DOCUMENT_TYPES: list[tuple[str, str, str, int]] = [
    ("nghi_quyet", "Nghị quyết", "NQ", 10),
    ("quyet_dinh", "Quyết định", "QĐ", 20),
    ("chi_thi", "Chỉ thị", "CT", 30),
    ("quy_che", "Quy chế", "QC", 40),
    ("quy_dinh", "Quy định", "QyĐ", 50),
    ("thong_cao", "Thông cáo", "TC", 60),
    ("thong_bao", "Thông báo", "TB", 70),
    ("huong_dan", "Hướng dẫn", "HD", 80),
    ("chuong_trinh", "Chương trình", "CTr", 90),
    ("ke_hoach", "Kế hoạch", "KH", 100),
    ("phuong_an", "Phương án", "PA", 110),
    ("de_an", "Đề án", "ĐA", 120),
    ("du_an", "Dự án", "DA", 130),
    ("bao_cao", "Báo cáo", "BC", 140),
    ("bien_ban", "Biên bản", "BB", 150),
    ("to_trinh", "Tờ trình", "TTr", 160),
    ("hop_dong", "Hợp đồng", "HĐ", 170),
    ("cong_van", "Công văn", "", 5),
    ("cong_dien", "Công điện", "CĐ", 180),
    ("ban_ghi_nho", "Bản ghi nhớ", "BGN", 190),
    ("ban_thoa_thuan", "Bản thỏa thuận", "BTT", 200),
    ("giay_uy_quyen", "Giấy ủy quyền", "GUQ", 210),
    ("giay_moi", "Giấy mời", "GM", 220),
    ("giay_gioi_thieu", "Giấy giới thiệu", "GGT", 230),
    ("giay_nghi_phep", "Giấy nghỉ phép", "GNP", 240),
    ("phieu_gui", "Phiếu gửi", "PG", 250),
    ("phieu_chuyen", "Phiếu chuyển", "PC", 260),
    ("phieu_bao", "Phiếu báo", "PB", 270),
    ("thu_cong", "Thư công", "", 280),
]

CONG_VAN = "cong_van"


def ensure_document_types(model=None) -> None:
    """Create or update the types (idempotent): the data migration calls it with
    the historical model, seed_demo with the real one (a transactional test's flush
    empties the table)."""
    if model is None:
        from .models import DocumentType as model
    for code, name, abbreviation, rank in DOCUMENT_TYPES:
        model.objects.update_or_create(
            code=code,
            defaults={"name": name, "abbreviation": abbreviation, "rank": rank},
        )
