"""Exports need Debian's chromium and the CJK font (scripts/system-deps.sh installs them
for `make test`); these tests render for real."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader


@pytest.fixture(scope="session")
def settings(app_module):
    from web import context

    return context.get().settings


def png_facts(body: bytes) -> tuple[tuple[int, int], int, float]:
    """Size, number of colours and the share of pixels that are not the background."""
    img = Image.open(io.BytesIO(body)).convert("RGB")
    colours = img.getcolors(maxcolors=1 << 20) or []
    background = max(colours)[1] if colours else (255, 255, 255)
    total = img.width * img.height
    other = total - max(colours)[0] if colours else total
    return img.size, len(colours), other / total if background else 0.0


def pdf_text(body: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(body))
    return reader, "\n".join(p.extract_text() for p in reader.pages)


def pdf_fonts(reader: PdfReader) -> set[tuple[str, str, bool]]:
    """(base font, subtype, embedded) of every font the pages use."""
    out = set()
    for page in reader.pages:
        fonts = page["/Resources"].get("/Font", {})
        for ref in fonts.values():
            f = ref.get_object()
            subtype = str(f.get("/Subtype"))
            base = str(f.get("/BaseFont", ""))
            embedded = False
            for d in f.get("/DescendantFonts", []):
                desc = d.get_object().get("/FontDescriptor")
                if desc is not None and "/FontFile2" in desc.get_object():
                    embedded = True
            out.add((base, subtype, embedded))
    return out
