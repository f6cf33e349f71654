"""A light first page (issue 9, item 7): compressed static files with long cache headers,
subset fonts, the favicon and the web app manifest at the site's root, gzipped pages."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import brotli
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client, override_settings
from django.utils import translation
from fontTools.ttLib import TTFont
from whitenoise.middleware import WhiteNoiseMiddleware

pytestmark = pytest.mark.django_db

FONTS = Path(settings.BASE_DIR) / "static" / "fonts"
# Everything a Persian page writes: the alphabet with آ ء ئ ؤ, Persian and Latin digits,
# the Arabic comma and question mark, ZWNJ, « » and the thousands and decimal separators.
PERSIAN_TEXT = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیآءئؤأإۀ ۰۱۲۳۴۵۶۷۸۹ 0123456789 ،؟؛\u200c«»٬٫"


@pytest.mark.parametrize("weight", [400, 500, 600, 700])
def test_subset_fonts_keep_every_glyph_a_persian_page_needs_and_little_else(weight):
    path = FONTS / f"vazirmatn-{weight}.woff2"
    cmap = TTFont(path).getBestCmap()
    missing = [ch for ch in PERSIAN_TEXT + "Kargah-Python (2026)" if ord(ch) not in cmap]
    assert missing == []
    # The joined forms of the letters come through the layout tables: kept.
    assert "GSUB" in TTFont(path)
    # The subset is less than half the original weight (51 KB).
    assert path.stat().st_size < 25_000


def _get_file(client: Client, path: str) -> tuple[int, str, bytes]:
    response = client.get(path)
    # Reading a file response to its end closes the file (the test client's wrapper).
    return response.status_code, response["Content-Type"], response.getvalue()


def test_favicon_and_manifest_answer_at_the_root_of_every_page(client):
    status, content_type, _body = _get_file(client, "/favicon.ico")
    assert status == 200
    assert content_type == "image/x-icon"
    status, content_type, body = _get_file(client, "/manifest.webmanifest")
    assert status == 200
    assert content_type.startswith("application/manifest+json")
    data = json.loads(body)
    assert data["lang"] == "fa"
    assert data["dir"] == "rtl"
    for icon in data["icons"]:
        assert _get_file(client, icon["src"])[0] == 200, icon
    home = client.get("/catalog/").content.decode()
    assert '<link rel="icon" href="/favicon.ico"' in home
    assert '<link rel="manifest" href="/manifest.webmanifest">' in home


def test_pages_are_gzipped_for_a_browser_that_accepts_it(client):
    plain = client.get("/catalog/")
    zipped = client.get("/catalog/", headers={"accept-encoding": "gzip, br"})
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert b"</html>" in gzip.decompress(zipped.content)
    # Half at most even for a near-empty catalog (Django pads gzip output against BREACH).
    assert len(zipped.content) < len(plain.content) / 2


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """collectstatic as production runs it: hashed names, gzip and brotli copies."""
    root = tmp_path_factory.mktemp("staticfiles")
    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    # Our files and Bootstrap's CSS only: compressing every app's files takes minutes here.
    sources = [
        Path(settings.BASE_DIR) / "static",
        ("vendor/bootstrap/css", Path(settings.NODE_MODULES) / "bootstrap" / "dist" / "css"),
    ]
    finders = ["django.contrib.staticfiles.finders.FileSystemFinder"]
    with override_settings(
        STATIC_ROOT=root, STORAGES=storages, STATICFILES_DIRS=sources, STATICFILES_FINDERS=finders
    ):
        # A management command deactivates the translations; later tests expect Persian.
        with translation.override(translation.get_language()):
            call_command("collectstatic", "--noinput", "-v", "0")
        yield root


def _serve(path: str, encoding: str) -> tuple[int, dict[str, str], bytes]:
    from django.test import RequestFactory

    middleware = WhiteNoiseMiddleware(lambda request: pytest.fail("not a static file"))
    response = middleware(RequestFactory().get(path, headers={"accept-encoding": encoding}))
    body = response.getvalue()
    # Closing the file without the request_finished signal, which would close the test's
    # database connection inside its transaction.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    return response.status_code, dict(response.headers), body


def test_hashed_static_files_are_compressed_and_cached_as_immutable(collected):
    from django.templatetags.static import static

    storages = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=collected, STORAGES=storages):
        css = static("vendor/bootstrap/css/bootstrap.rtl.min.css")
        assert css != "/static/vendor/bootstrap/css/bootstrap.rtl.min.css"  # a hashed name
        status, headers, body = _serve(css, "gzip, deflate, br")
        assert status == 200
        assert headers["Content-Encoding"] == "br"
        assert len(brotli.decompress(body)) > 200_000
        assert len(body) < 30_000
        assert "immutable" in headers["Cache-Control"]
        assert "max-age=315360000" in headers["Cache-Control"]

        status, headers, body = _serve(css, "gzip")
        assert headers["Content-Encoding"] == "gzip"
        assert len(gzip.decompress(body)) > 200_000

        font = static("fonts/vazirmatn-400.woff2")
        status, headers, _body = _serve(font, "gzip, br")
        assert status == 200
        assert "immutable" in headers["Cache-Control"]


def test_subset_fonts_cover_every_character_of_the_persian_pages():
    """A new string with a character the subset lacks would show in a fallback font: run
    `make fonts` after adding it to tools/subset_fonts.py (characters Vazirmatn itself lacks,
    such as arrows, fall back anyway)."""
    full = set(
        TTFont(
            Path(settings.NODE_MODULES) / "vazirmatn/fonts/webfonts/Vazirmatn-Regular.woff2"
        ).getBestCmap()
    )
    subset_cmap = set(TTFont(FONTS / "vazirmatn-400.woff2").getBestCmap())
    base = Path(settings.BASE_DIR)
    sources = [
        base / "locale" / "fa" / "LC_MESSAGES" / "django.po",
        *base.glob("templates/**/*.html"),
    ]
    text = "".join(path.read_text(encoding="utf-8") for path in sources)
    missing = sorted({ch for ch in text if ord(ch) in full and ord(ch) not in subset_cmap})
    assert missing == []
