"""The signature and seal image pages in a real browser: the quản trị uploads the
seal at 36 mm, a leader uploads their own signature; screenshots at desktop and
phone widths in test-artifacts/screenshots/stamp-images-*.png."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from directory.models import Organisation, User
from signing.demo_images import demo_seal_png, demo_signature_png
from tests.web import test_browser as web

pytestmark = [pytest.mark.browser, pytest.mark.slow]

browser = web.browser


@pytest.fixture
def live_demo(transactional_db, live_server):
    call_command("seed_demo", quiet_logins=True)
    return live_server


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    seal = folder / "con-dau-stc.png"
    seal.write_bytes(demo_seal_png("Sở Tài chính", "Ủy ban nhân dân tỉnh Lạc Hồng"))
    signature = folder / "chu-ky.png"
    signature.write_bytes(demo_signature_png("Nguyễn Văn An"))
    return seal, signature


@pytest.mark.parametrize("size", web.SIZES)
def test_the_administrator_stores_the_seal_and_a_leader_their_signature(
    live_demo, browser, images, size
):
    seal, signature = images
    stc = Organisation.objects.get(code="000.00.02.H99")
    context, page = web.open_page(browser, size)
    web.sign_in(page, live_demo.url, "quantri.stc")
    page.goto(f"{live_demo.url}/quan-tri/co-quan/{stc.pk}/")
    page.get_by_role("link", name="Thêm hình ảnh").click()
    expect(page.get_by_role("heading", name="Hình ảnh con dấu")).to_be_visible()
    page.get_by_label("Hình ảnh con dấu (PNG, nền trong suốt)").set_input_files(
        str(seal)
    )
    page.get_by_label("Đường kính con dấu (mm)").fill("36")
    page.get_by_role("button", name="Lưu hình ảnh").click()
    expect(page.get_by_text("Đã lưu hình ảnh con dấu.")).to_be_visible()
    expect(page.get_by_role("img", name="Hình ảnh con dấu")).to_be_visible()
    width_px = page.get_by_role("img", name="Hình ảnh con dấu").bounding_box()["width"]
    # 36 mm at CSS's 96 px per inch.
    assert abs(width_px - 36 / 25.4 * 96) < 2
    web.assert_fits_the_width(page)
    web.shoot(page, f"stamp-images-seal-{size}")
    context.close()

    leader = User.objects.get(username="lanhdao.stc")
    context, page = web.open_page(browser, size)
    web.sign_in(page, live_demo.url, "lanhdao.stc")
    page.goto(f"{live_demo.url}/can-bo/{leader.pk}/chu-ky/")
    expect(page.get_by_text("Chưa có hình ảnh.")).to_be_visible()
    page.get_by_label("Hình ảnh chữ ký (PNG, nền trong suốt)").set_input_files(
        str(signature)
    )
    page.get_by_role("button", name="Lưu hình ảnh").click()
    expect(page.get_by_text("Đã lưu hình ảnh chữ ký.")).to_be_visible()
    expect(page.get_by_role("img", name="Hình ảnh chữ ký")).to_be_visible()
    web.assert_fits_the_width(page)
    web.shoot(page, f"stamp-images-signature-{size}")
    context.close()
    stc.refresh_from_db()
    leader.refresh_from_db()
    assert stc.seal_image_id and leader.signature_image_id
