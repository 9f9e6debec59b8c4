/*
 * Hanyu Pinyin for place names: readings from the word and character table generated at
 * build time from a maintained dictionary (gis/pinyin/README.md), segmented by word
 * frequency so that a character reads as it does in its word (延长 yán cháng, not the
 * per-character zhǎng); ICU's Han-Latin transliterator for characters the table lacks;
 * and the romanisation rules of place names (GB/T 16159, GB/T 17693.1): the specific
 * part written as one word, each generic term (县, 街道, 村委会, ...) a word of its
 * own, every word capitalised, tone marks, and the apostrophe before a, o, e inside a
 * word (Yán'ān Shì).
 *
 * Thread-safety: the table is constant and shared; a struct pinyin (it owns an ICU
 * transliterator) belongs to one thread at a time.
 */
#ifndef CIVGIS_PINYIN_H
#define CIVGIS_PINYIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define PINYIN_MAX_CHARS    64 /* longest text read, in characters */
#define PINYIN_SYL_MAX      8  /* a numeric syllable with its NUL: "zhuang1" */
#define PINYIN_MAX_READINGS 8  /* readings kept per character */

/* Where a character's reading came from. */
enum pinyin_origin {
    PINYIN_NONE,     /* not a Han character (kept as it is), or unknown to ICU too */
    PINYIN_OVERRIDE, /* a reviewed place-name reading (gis/pinyin/overrides.tsv) */
    PINYIN_WORD,     /* part of a dictionary word */
    PINYIN_ONLY,     /* a single character with one reading */
    PINYIN_DEFAULT,  /* a polyphonic character alone: its most frequent reading (a guess) */
    PINYIN_ICU,      /* not in the table: ICU's Han-Latin (a guess) */
};

struct pinyin_char {
    size_t off, len;          /* its bytes in the text */
    char syl[PINYIN_SYL_MAX]; /* "chang2"; "" when origin is PINYIN_NONE */
    enum pinyin_origin origin;
};

struct pinyin_reading {
    size_t n;
    struct pinyin_char c[PINYIN_MAX_CHARS];
};

struct pinyin;

/* A converter. out: free with pinyin_free. Fails with GIS_ERR_INTERNAL when ICU's
 * Han-Latin transliterator cannot be opened. */
enum gis_status pinyin_new(struct pinyin **out, struct gis_error *err);
void pinyin_free(struct pinyin *p);

/* Reads text (UTF-8, at most PINYIN_MAX_CHARS characters) character by character.
 * out: filled on success. GIS_ERR_INVALID_ARG for invalid UTF-8 or too long a text. */
enum gis_status
pinyin_read(struct pinyin *p, const char *text, struct pinyin_reading *out, struct gis_error *err);

/* Every reading the table knows for the one character at s (len bytes), the most
 * frequent first. out: up to max numeric syllables; returns how many (0: unknown). */
size_t pinyin_char_readings(const char *s, size_t len, char (*out)[PINYIN_SYL_MAX], size_t max);

/* The romanised place name ("Yáncháng Xiàn", "Yángjiālǐng Shèqū Jūwěihuì").
 * out: NUL-terminated, written on success; out_is_guessed (may be NULL): some
 * character read by a guess (PINYIN_DEFAULT or PINYIN_ICU), worth a person's review.
 * GIS_ERR_TOO_LARGE when size is too small. */
enum gis_status pinyin_place_name(struct pinyin *p,
                                  const char *name,
                                  char *out,
                                  size_t size,
                                  bool *out_is_guessed,
                                  struct gis_error *err);

/* The byte length of name's specific part: name without its generic term (县, 街道,
 * 社区居委会, 路, ...); strlen(name) when it has none. */
size_t pinyin_specific_len(const char *name);

/* A numeric syllable with its tone mark: "lv4" -> "lǜ", "an1" -> "ān"; is_capital
 * capitalises it. Returns false when out is too small or syl is not one syllable. */
bool pinyin_mark(const char *syl, bool is_capital, char *out, size_t size);

/* Folds pinyin as a person types or a record stores it to bare letters: lower case, no
 * tone marks (u-umlaut is v), no spaces, apostrophes, hyphens or tone digits:
 * "Yán'ān Shì" -> "yananshi". Returns false when text has anything else (Hanzi, other
 * punctuation) or out is too small. */
bool pinyin_fold(const char *text, char *out, size_t size);

/* True when the len bytes at s are one Han character (CJK unified ideographs, their
 * extensions and compatibility forms, 〇). */
bool pinyin_is_han(const char *s, size_t len);

/* The table's size, for reports: entries and reviewed overrides. */
size_t pinyin_table_entries(void);
size_t pinyin_table_overrides(void);

#endif
