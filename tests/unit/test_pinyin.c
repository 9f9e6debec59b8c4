/* Unit tests of gis/pinyin.h: place-name romanisation from the generated table, the
 * polyphonic characters of place names, tone marks, folding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka needs the four headers above first. */
#include <cmocka.h>

#include <string.h>

#include "names.h"
#include "pinyin.h"

static struct pinyin *p;

static int setup(void **state)
{
    (void)state;
    return pinyin_new(&p, NULL) == GIS_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    pinyin_free(p);
    return 0;
}

static void expect_roman(const char *name, const char *want)
{
    char out[256];
    struct gis_error err = {0};

    assert_int_equal(pinyin_place_name(p, name, out, sizeof out, NULL, &err), GIS_OK);
    if (strcmp(out, want))
        fail_msg("%s: got '%s', want '%s'", name, out, want);
}

/* The official romanisation of Yan'an's county-level divisions and the city, as the
 * Ministry of Civil Affairs' division names are written in Hanyu Pinyin under GB/T 16159
 * and GB/T 17693.1 (specific part one word, generic term separate, both capitalised,
 * tone marks), as listed in the "List of administrative divisions of Shaanxi" (Hanyu
 * Pinyin column, with the NBS division codes) and each county's own article. */
static void test_yanan_county_level_names(void **state)
{
    static const char *const official[][2] = {
        {"延安市", "Yán'ān Shì"},     {"宝塔区", "Bǎotǎ Qū"},      {"安塞区", "Ānsài Qū"},
        {"延长县", "Yáncháng Xiàn"},  {"延川县", "Yánchuān Xiàn"}, {"志丹县", "Zhìdān Xiàn"},
        {"吴起县", "Wúqǐ Xiàn"},      {"甘泉县", "Gānquán Xiàn"},  {"富县", "Fù Xiàn"},
        {"洛川县", "Luòchuān Xiàn"},  {"宜川县", "Yíchuān Xiàn"},  {"黄龙县", "Huánglóng Xiàn"},
        {"黄陵县", "Huánglíng Xiàn"}, {"子长市", "Zǐcháng Shì"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof official / sizeof *official; i++)
        expect_roman(official[i][0], official[i][1]);
}

/* Characters whose common reading is not the place name's: the word list (or the
 * reviewed overrides) must win over the character's most frequent reading. */
static void test_polyphonic_place_names(void **state)
{
    (void)state;
    expect_roman("长城镇", "Chángchéng Zhèn");    /* 长 cháng, not zhǎng */
    expect_roman("瓦窑堡街道", "Wǎyáobǔ Jiēdào"); /* 堡 bǔ, not bǎo */
    expect_roman("吴堡县", "Wúbǔ Xiàn");
    expect_roman("十里堡", "Shílǐpù");        /* 堡 pù */
    expect_roman("六安市", "Lù'ān Shì");      /* 六 lù, not liù */
    expect_roman("蚌埠市", "Bèngbù Shì");     /* 蚌 bèng, not bàng */
    expect_roman("番禺区", "Pānyú Qū");       /* 番 pān, not fān */
    expect_roman("东涌镇", "Dōngchōng Zhèn"); /* 涌 chōng, not yǒng */
    expect_roman("崾崄乡", "Yǎoxiǎn Xiāng");
}

/* The reviewed readings of the shipped names' systematic guesses (gis/pinyin/README.md):
 * each was read by the character's most frequent reading before. */
static void test_reviewed_overrides(void **state)
{
    (void)state;
    expect_roman("任家塬村委会", "Rénjiāyuán Cūnwěihuì"); /* surname 任 Rén, not rèn */
    expect_roman("都家河村委会", "Dūjiāhé Cūnwěihuì");    /* surname 都 Dū, not dōu */
    expect_roman("红都社区居委会", "Hóngdū Shèqū Jūwěihuì");
    expect_roman("黑家堡镇", "Hēijiābǔ Zhèn"); /* 堡 bǔ, a settlement, not bǎo */
    expect_roman("吴仓堡镇", "Wúcāngbǔ Zhèn");
    expect_roman("赵家墕村委会", "Zhàojiāyàn Cūnwěihuì"); /* 墕 yàn, not yān */
    expect_roman("肖林村委会", "Xiāolín Cūnwěihuì");      /* surname 肖 Xiāo, not xiào */
    expect_roman("城堡", "Chéngbǎo");                     /* a fortress stays bǎo */
}

static void test_generic_terms_and_words(void **state)
{
    (void)state;
    expect_roman("杨家岭社区居委会", "Yángjiālǐng Shèqū Jūwěihuì");
    expect_roman("文安驿镇", "Wén'ānyì Zhèn"); /* apostrophe before a, o, e in a word */
    expect_roman("杨家圪台镇", "Yángjiāgētái Zhèn");
    expect_roman("G210国道", "G210 Guódào");
    assert_int_equal(pinyin_specific_len("延长县"), strlen("延长"));
    assert_int_equal(pinyin_specific_len("延长"), strlen("延长"));
    assert_int_equal(pinyin_specific_len("县"), strlen("县")); /* a generic alone stays */
}

/* ICU's per-character reading is the fallback: 延长 read alone by ICU would be
 * yán zhǎng; the table reads cháng. A character ICU gives is marked as a guess. */
static void test_origins(void **state)
{
    struct pinyin_reading r;
    bool is_guessed = true;
    char out[64];

    (void)state;
    assert_int_equal(pinyin_read(p, "延长", &r, NULL), GIS_OK);
    assert_int_equal(r.n, 2);
    assert_string_equal(r.c[1].syl, "chang2");
    assert_int_equal(r.c[1].origin, PINYIN_WORD);
    assert_int_equal(pinyin_read(p, "长", &r, NULL), GIS_OK);
    assert_int_equal(r.c[0].origin, PINYIN_DEFAULT);
    assert_int_equal(pinyin_place_name(p, "子长市", out, sizeof out, &is_guessed, NULL), GIS_OK);
    assert_false(is_guessed);
    assert_int_equal(pinyin_place_name(p, "堡定村委会", out, sizeof out, &is_guessed, NULL),
                     GIS_OK);
    assert_true(is_guessed); /* 堡 alone: bǎo by frequency, for a person to confirm */
    assert_int_equal(pinyin_place_name(p, "黑家堡镇", out, sizeof out, &is_guessed, NULL), GIS_OK);
    assert_false(is_guessed); /* 家堡: a reviewed override */
    assert_true(pinyin_table_entries() > 300000);
    assert_true(pinyin_table_overrides() > 0);
}

static void test_mark_and_fold(void **state)
{
    char out[32];

    (void)state;
    assert_true(pinyin_mark("lv4", false, out, sizeof out));
    assert_string_equal(out, "lǜ");
    assert_true(pinyin_mark("an1", true, out, sizeof out));
    assert_string_equal(out, "Ān");
    assert_true(pinyin_mark("gui1", false, out, sizeof out));
    assert_string_equal(out, "guī");
    assert_true(pinyin_mark("liu4", false, out, sizeof out));
    assert_string_equal(out, "liù");
    assert_true(pinyin_mark("zi5", false, out, sizeof out));
    assert_string_equal(out, "zi");
    assert_false(pinyin_mark("chang", false, out, sizeof out));
    assert_false(pinyin_mark("chang2", false, out, 4)); /* too small */
    assert_true(pinyin_fold("Yán'ān Shì", out, sizeof out));
    assert_string_equal(out, "yananshi");
    assert_true(pinyin_fold("yan2 chang2", out, sizeof out));
    assert_string_equal(out, "yanchang");
    assert_true(pinyin_fold("Lǜ", out, sizeof out));
    assert_string_equal(out, "lv");
    assert_false(pinyin_fold("延长", out, sizeof out));
}

/* An officer's pinyin must read the name: each Han character by one of its readings, in
 * order, tones and spacing aside; the message names the first character that does not. */
static void test_pinyin_reads_the_name(void **state)
{
    char why[256];

    (void)state;
    assert_true(names_pinyin_reads("延长县", "Yáncháng Xiàn", why, sizeof why));
    assert_true(names_pinyin_reads("延长县", "Yánzhǎng Xiàn", why, sizeof why)); /* a reading */
    assert_true(names_pinyin_reads("延长县", "yan chang xian", why, sizeof why));
    assert_true(names_pinyin_reads("瓦窑堡街道", "Wǎyáobǔ Jiēdào", why, sizeof why));
    assert_true(names_pinyin_reads("十里堡", "Shílǐpù", why, sizeof why));
    assert_true(names_pinyin_reads("西安", "Xī'ān", why, sizeof why));
    assert_true(names_pinyin_reads("G210国道", "G Guódào", why, sizeof why));
    assert_false(names_pinyin_reads("延长县", "Yáncháng", why, sizeof why));
    assert_non_null(strstr(why, "县"));
    assert_false(names_pinyin_reads("长官庙镇", "Chángguānsì Zhèn", why, sizeof why));
    assert_non_null(strstr(why, "庙"));
    assert_false(names_pinyin_reads("延长县", "Yáncháng Xiàn Shì", why, sizeof why));
    assert_false(names_pinyin_reads("延长县", "延长", why, sizeof why));
    assert_non_null(strstr(why, "not pinyin"));
    assert_false(names_pinyin_reads("", "Yán", why, sizeof why));
}

static void test_bad_input(void **state)
{
    struct pinyin_reading r;
    char out[8], longname[4 * 70 + 1];
    struct gis_error err = {0};
    size_t i;

    (void)state;
    assert_int_equal(pinyin_read(p, "\xff\xfe", &r, &err), GIS_ERR_INVALID_ARG);
    for (i = 0; i < 70; i++)
        memcpy(longname + 3 * i, "长", 3);
    longname[3 * 70] = '\0';
    assert_int_equal(pinyin_read(p, longname, &r, &err), GIS_ERR_INVALID_ARG);
    assert_int_equal(pinyin_place_name(p, "延长县", out, sizeof out, NULL, &err),
                     GIS_ERR_TOO_LARGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yanan_county_level_names),
        cmocka_unit_test(test_polyphonic_place_names),
        cmocka_unit_test(test_reviewed_overrides),
        cmocka_unit_test(test_generic_terms_and_words),
        cmocka_unit_test(test_origins),
        cmocka_unit_test(test_mark_and_fold),
        cmocka_unit_test(test_pinyin_reads_the_name),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
