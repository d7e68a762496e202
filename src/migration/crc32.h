/* CRC-32 of the migration stream (crc32.c). */
#ifndef E386_MIGRATION_CRC32_H
#define E386_MIGRATION_CRC32_H
#include <stddef.h>
#include <stdint.h>
/* Continue crc (0 to start) over len bytes: mig_crc32(0, "123456789", 9)
 * is 0xCBF43926. */
uint32_t mig_crc32(uint32_t crc, const void *data, size_t len);
/* The eight slicing tables, crc_table[8][256], for the unit test. */
const uint32_t (*mig_crc32_tables(void))[256];
#endif
