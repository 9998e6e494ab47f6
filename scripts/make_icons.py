"""Draw the installable app's icons: a white map pin on the portal's red.

Run once after a change of design: `.venv/bin/python scripts/make_icons.py`. The PNG files
it writes are small and committed under src/phananh/portal/static/portal/icons/, so that
neither the deployment nor collectstatic needs a drawing step.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "src" / "phananh" / "portal" / "static" / "portal" / "icons"
BRAND = (0xB9, 0x1C, 0x1C)  # --brand in site.css and THEME_COLOUR in portal/pwa.py
WHITE = (255, 255, 255)
SUPERSAMPLE = 4


def pin(draw: ImageDraw.ImageDraw, cx: float, cy: float, height: float) -> None:
    """A map pin whose whole height is `height`, centred on (cx, cy)."""
    radius = height * 0.34
    top = cy - height / 2
    centre = (cx, top + radius)
    draw.ellipse((cx - radius, top, cx + radius, top + 2 * radius), fill=WHITE)
    # The point: a triangle from the circle's sides down to the tip.
    shoulder = radius * 0.87
    draw.polygon(
        [
            (cx - shoulder, centre[1] + radius * 0.5),
            (cx + shoulder, centre[1] + radius * 0.5),
            (cx, cy + height / 2),
        ],
        fill=WHITE,
    )
    hole = radius * 0.42
    draw.ellipse((cx - hole, centre[1] - hole, cx + hole, centre[1] + hole), fill=BRAND)


def icon(size: int, *, maskable: bool = False, rounded: bool = True) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable or not rounded:
        # Full bleed: the phone cuts its own shape out of it.
        draw.rectangle((0, 0, big, big), fill=BRAND)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.22, fill=BRAND)
    # A maskable icon keeps its drawing inside the central circle of 80 % (the safe zone).
    pin(draw, big / 2, big / 2, big * (0.5 if maskable else 0.62))
    small = image.resize((size, size), Image.Resampling.LANCZOS)
    # 64 colours are plenty for two colours and their smooth edges, and make the file 5 times
    # smaller; a colour may move by one step, which no eye sees.
    return small.quantize(colors=64, method=Image.Quantize.FASTOCTREE)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    files = {
        "icon-192.png": icon(192),
        "icon-512.png": icon(512),
        "maskable-512.png": icon(512, maskable=True),
        # iOS rounds the corners itself and shows transparency as black.
        "apple-touch-icon.png": icon(180, rounded=False),
        # The browser tab's icon, linked from base.html.
        "favicon-32.png": icon(32),
    }
    for name, image in files.items():
        image.save(OUT / name, optimize=True)
        print(f"{OUT / name}: {(OUT / name).stat().st_size} bytes")
    # /favicon.ico, which browsers ask for by themselves on pages that link no icon (the API
    # docs, a JSON answer); ICO wants RGBA, one picture per size.
    ico = OUT / "favicon.ico"
    icon(48).convert("RGBA").save(ico, sizes=[(16, 16), (32, 32), (48, 48)])
    print(f"{ico}: {ico.stat().st_size} bytes")


if __name__ == "__main__":
    main()
