/* libFuzzer harness: what a search box receives. Any text goes through the query
 * classifier (names_match_expr), pinyin folding and place-name romanisation. Invariants:
 * no crash; an FTS5 expression has only balanced quotes; folded pinyin is bare ASCII
 * letters; a romanised name is valid UTF-8 and folds again. */
#include "fuzz_check.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "names.h"
#include "pinyin.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pinyin *converter(void)
{
    static struct pinyin *p;

    if (!p && pinyin_new(&p, NULL) != GIS_OK)
        abort();
    return p;
}

static void check_expr(const char *text)
{
    char expr[2048];
    size_t i, quotes = 0;

    if (!names_match_expr(text, expr, sizeof expr))
        return;
    for (i = 0; expr[i]; i++)
        quotes += expr[i] == '"';
    FUZZ_CHECK(quotes > 0 && quotes % 2 == 0);
}

static void check_fold(const char *text)
{
    char out[512];
    size_t i;

    if (!pinyin_fold(text, out, sizeof out))
        return;
    for (i = 0; out[i]; i++)
        FUZZ_CHECK(out[i] >= 'a' && out[i] <= 'z');
}

static void check_roman(const char *text)
{
    char out[1024], folded[1024];
    bool is_guessed;

    if (pinyin_place_name(converter(), text, out, sizeof out, &is_guessed, NULL) != GIS_OK)
        return;
    FUZZ_CHECK(utf8_is_valid(out));
    /* Han syllables and ASCII letters and digits fold; other kept characters may not. */
    (void)pinyin_fold(out, folded, sizeof folded);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    check_expr(text);
    check_fold(text);
    check_roman(text);
    free(text);
    return 0;
}
