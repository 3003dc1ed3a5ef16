/*
 * picture.c - the demo's picture: a 640x480 XRGB32 image (the Bochs VGA
 * framebuffer's format, row by row) written to a file, and the same image
 * as a binary PPM so that a screendump can be compared with it.
 *
 *   picture OUT.xrgb [OUT.ppm]
 *
 * Colour bars over a gradient, with a white frame: easy to recognise on a
 * screen and to check pixel by pixel.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define W 640
#define H 480

/* XRGB of pixel (x, y). */
static uint32_t pixel(int x, int y)
{
	static const uint32_t bars[8] = {
		0xffffff, 0xffff00, 0x00ffff, 0x00ff00,
		0xff00ff, 0xff0000, 0x0000ff, 0x000000,
	};

	if (x < 8 || y < 8 || x >= W - 8 || y >= H - 8)
		return 0xffffff;
	if (y < H * 2 / 3)
		return bars[x * 8 / W];
	return ((uint32_t)(x * 255 / W) << 16) |
	       ((uint32_t)(y * 255 / H) << 8) | 0x80;
}

int main(int argc, char **argv)
{
	FILE *raw, *ppm = NULL;

	if (argc < 2) {
		fprintf(stderr, "usage: picture OUT.xrgb [OUT.ppm]\n");
		return 2;
	}
	raw = fopen(argv[1], "wb");
	if (argc > 2)
		ppm = fopen(argv[2], "wb");
	if (!raw || (argc > 2 && !ppm)) {
		perror("picture");
		return 1;
	}
	if (ppm)
		fprintf(ppm, "P6\n%d %d\n255\n", W, H);
	for (int y = 0; y < H; y++) {
		for (int x = 0; x < W; x++) {
			uint32_t p = pixel(x, y);
			uint8_t le[4] = { p, p >> 8, p >> 16, 0 };

			fwrite(le, 1, 4, raw);
			if (ppm) {
				uint8_t rgb[3] = { p >> 16, p >> 8, p };

				fwrite(rgb, 1, 3, ppm);
			}
		}
	}
	if (fclose(raw) || (ppm && fclose(ppm))) {
		perror("picture");
		return 1;
	}
	return 0;
}
