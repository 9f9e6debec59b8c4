/*
 * The pinyin table generated at build time by gis/pinyin/gen_dict.mjs (see
 * gis/pinyin/README.md for its sources and licences). Read only by gis/pinyin.c.
 *
 * PINYIN_DICT_TEXT holds PINYIN_DICT_N lines "KEY\tREADING\n" sorted by the key's UTF-8
 * bytes; PINYIN_DICT_OFFSET[i] is where line i starts. A word's READING is its syllables
 * with tone numbers ("yan2 chang2"; v for u-umlaut, 5 neutral); a single character's is
 * every reading, the most frequent first, separated by '|'. PINYIN_DICT_COST[i] is
 * -ln(frequency) * 100, 0 for the reviewed overrides.
 */
#ifndef CIVGIS_PINYIN_DICT_H
#define CIVGIS_PINYIN_DICT_H

#include <stddef.h>
#include <stdint.h>

extern const size_t PINYIN_DICT_N;
extern const size_t PINYIN_DICT_OVERRIDES;
extern const char PINYIN_DICT_TEXT[];
extern const uint32_t PINYIN_DICT_OFFSET[];
extern const uint16_t PINYIN_DICT_COST[];

#endif
