/* The firmware image given with -bios, read and checked before any machine
 * exists, so a bad file never leaves a half-built machine behind. */
#ifndef E386_SYSTEM_BIOS_H
#define E386_SYSTEM_BIOS_H
#include <stddef.h>
#include <stdint.h>

#define BIOS_MAX_SIZE (16u << 20) /* the top 16 MiB below 4 GiB are the ROM window */
#define BIOS_LOW_ALIAS (128u << 10) /* how much of its end also shows below 1 MiB */

typedef struct BiosImage {
    uint8_t *data; /* host memory (malloc): the machine copies it into its ROM */
    size_t size;
} BiosImage;

/* 0, or -1 with a message naming the file: missing, unreadable, empty,
 * larger than BIOS_MAX_SIZE. */
int bios_load_file(const char *path, BiosImage *img, char *err, size_t errlen);
void bios_image_free(BiosImage *img);
/* The ROM mapping: [4G - rom_size, 4G), rom_size the image rounded up to
 * 4 KiB (the image's last byte at 0xFFFFFFFF). */
uint32_t bios_rom_size(const BiosImage *img);
#endif
