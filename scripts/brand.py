"""Draw the integration's brand images (original artwork): brand/icon.png and brand/logo.png.

Run with .venv/bin/python scripts/brand.py; the PNGs are committed, so this only runs on change.
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND = Path(__file__).parent.parent / "custom_components" / "ring_partner" / "brand"
BLUE = (21, 128, 196, 255)
WHITE = (255, 255, 255, 255)


def _mark(size: int) -> Image.Image:
    """Draw the mark: a ring around a lens on a rounded blue tile."""
    scale = 4  # draw large, then downsample for smooth edges
    big = size * scale
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big // 5, fill=BLUE)
    pad = big // 5
    draw.ellipse((pad, pad, big - pad, big - pad), outline=WHITE, width=big // 11)
    lens = big // 7
    center = big // 2
    draw.ellipse(
        (center - lens, center - lens, center + lens, center + lens), fill=WHITE
    )
    return image.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    """Write icon.png (256x256) and logo.png (mark plus wordmark)."""
    BRAND.mkdir(parents=True, exist_ok=True)
    _mark(256).save(BRAND / "icon.png")
    height = 256
    logo = Image.new("RGBA", (height * 4, height), (0, 0, 0, 0))
    logo.paste(_mark(height), (0, 0))
    draw = ImageDraw.Draw(logo)
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.truetype(
            "DejaVuSans-Bold.ttf", 96
        )
    except OSError:
        font = ImageFont.load_default(size=96)
    draw.text(
        (height + 40, height // 2), "Ring Partner", font=font, fill=BLUE, anchor="lm"
    )
    logo.save(BRAND / "logo.png")


if __name__ == "__main__":
    main()
