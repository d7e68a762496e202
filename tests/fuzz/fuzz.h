/* Shared by the fuzz targets (docs/fuzzing.md): the libFuzzer entry
 * point's prototype and a reader that takes bytes off the input and
 * yields zeros once it is used up, so every input is a valid program
 * for the harness. */
#ifndef E386_FUZZ_H
#define E386_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct FuzzIn {
    const uint8_t *p;
    size_t n;
} FuzzIn;

static inline int fin_left(const FuzzIn *in) { return in->n > 0; }

static inline uint8_t fin_u8(FuzzIn *in)
{
    if (!in->n)
        return 0;
    in->n--;
    return *in->p++;
}

static inline uint16_t fin_u16(FuzzIn *in)
{
    uint16_t v = fin_u8(in);
    return (uint16_t)(v | fin_u8(in) << 8);
}

static inline uint32_t fin_u32(FuzzIn *in)
{
    uint32_t v = fin_u16(in);
    return v | (uint32_t)fin_u16(in) << 16;
}

/* A harness-level invariant broke (a differential mismatch): say what,
 * then abort so libFuzzer and the replay driver both report a crash. */
#define FUZZ_CHECK(cond, ...)                                                                  \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz: check failed: %s: ", #cond);                                \
            fprintf(stderr, __VA_ARGS__);                                                      \
            fputc('\n', stderr);                                                               \
            abort();                                                                           \
        }                                                                                      \
    } while (0)
#endif
