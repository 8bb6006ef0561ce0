/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the UTF-8 / UTF-16 codec. Whatever the bytes, what is
 * decoded is well-formed UTF-8; well-formed UTF-8 survives a round trip
 * through UTF-16 in either order unchanged; UTF-16 fed a byte at a time
 * decodes as it does whole; and decoding is idempotent. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_utf8(const char *s)
{
    if (!ost_utf8_valid(s, strlen(s)))
        abort();
}

static void utf8_round_trip(const uint8_t *data, size_t size, enum ost_utf16_order o)
{
    struct ost_buf w = {0};
    bool good = ost_utf8_to_utf16(&w, (const char *)data, size, o);
    if (good != ost_utf8_valid((const char *)data, size) || w.len % 2)
        abort();
    char *back = ost_utf16_to_utf8((const uint8_t *)w.data, w.len, o, NULL);
    check_utf8(back);
    size_t text = strnlen((const char *)data, size); /* decoding stops at U+0000 */
    if (good && (strlen(back) != text || memcmp(back, data, text)))
        abort();
    free(back);
    ost_buf_free(&w);
}

static void utf16_decodes(const uint8_t *data, size_t size, enum ost_utf16_order o)
{
    bool good;
    char *whole = ost_utf16_to_utf8(data, size, o, &good);
    check_utf8(whole);

    /* again through UTF-16: nothing more is replaced, nothing changes */
    struct ost_buf w = {0};
    if (!ost_utf8_to_utf16(&w, whole, strlen(whole), o))
        abort();
    bool again_good;
    char *again = ost_utf16_to_utf8((const uint8_t *)w.data, w.len, o, &again_good);
    if (!again_good || strcmp(again, whole))
        abort();

    /* a byte at a time: the same text up to the first U+0000 */
    struct ost_utf16_stream s = {.order = o};
    struct ost_buf b = {0};
    uint32_t cp[2];
    bool ended = false;
    for (size_t i = 0; i < size && !ended; i++) {
        unsigned got = ost_utf16_stream_byte(&s, data[i], cp);
        for (unsigned k = 0; k < got && !ended; k++)
            if (cp[k] == 0)
                ended = true;
            else
                ost_buf_add_utf8(&b, cp[k]);
    }
    /* a final odd zero byte is a terminator cut short to the whole-string
     * decoder, an incomplete unit to the stream */
    bool cut_terminator = !ended && s.have_odd && data[size - 1] == 0;
    unsigned left = ended ? 0 : ost_utf16_stream_end(&s, cp);
    for (unsigned k = 0; k + cut_terminator < left; k++)
        ost_buf_add_utf8(&b, cp[k]);
    char *streamed = ost_buf_steal(&b);
    if (strcmp(streamed, whole))
        abort();
    free(whole), free(again), free(streamed);
    ost_buf_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    utf8_round_trip(data, size, OST_UTF16LE);
    utf8_round_trip(data, size, OST_UTF16BE);
    utf16_decodes(data, size, OST_UTF16LE);
    utf16_decodes(data, size, OST_UTF16BE);
    for (size_t i = 0; i + 1 < size;) {
        uint32_t cp;
        size_t used = ost_utf16_next(data + i, size - i, OST_UTF16LE, &cp);
        if ((used != 2 && used != 4) || cp > 0x10FFFF || (used == 4) != (cp >= 0x10000))
            abort();
        i += used;
    }
    return 0;
}
