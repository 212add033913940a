"""A QR code drawn on screen: the payment code to scan (qr_code screen) and the
reference to photograph after a failed print (slip screen)."""

from __future__ import annotations

import qrcode
from kivy.graphics.texture import Texture

MODULE_BORDER = 4  # the quiet zone around a QR code, in modules (ISO/IEC 18004)


def qr_matrix(content: str) -> list[list[bool]]:
    """The code's modules, quiet zone included (True: dark), as qrcode makes it."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M,
                         border=MODULE_BORDER)
    code.add_data(content)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return matrix


def qr_texture(content: str) -> Texture:
    """The code as a texture of one pixel per module, black on white with its quiet zone;
    drawn scaled up without smoothing, so every module stays a sharp square."""
    matrix = qr_matrix(content)
    size = len(matrix)
    # RGBA rows are always 4-byte aligned; Kivy's textures start at the bottom row.
    pixels = bytes(value for row in reversed(matrix) for dark in row
                   for value in ((0, 0, 0, 255) if dark else (255, 255, 255, 255)))
    texture = Texture.create(size=(size, size), colorfmt="rgba")
    texture.blit_buffer(pixels, colorfmt="rgba", bufferfmt="ubyte")
    texture.mag_filter = "nearest"
    texture.min_filter = "nearest"
    return texture


def drawn_modules(texture: Texture) -> list[list[bool]]:
    """The modules a qr_texture draws, top row first (True: dark): what a camera reads
    from the screen, to compare with qr_matrix."""
    size = texture.width
    pixels = texture.pixels  # bottom row first, as Kivy keeps them
    return [[pixels[((size - 1 - y) * size + x) * 4] == 0 for x in range(size)]
            for y in range(size)]
