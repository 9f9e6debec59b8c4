"""A synthetic national gazetteer for bench/search.sh: N place names built the way
Chinese place names are (a surname or a descriptive character, often 家 or another
connecting character, a landform, then a generic term: 王家沟村, 东坪社区, 柳湾路), spread
over China's extent, as CSV (name, category, lon, lat). Deterministic for a seed. A name
is drawn again when its category has it already. The points lie outside every division,
and the import once judged all places of no division as siblings, refusing a repeat (a
fifth of them) and with it the whole file; it no longer does, and the set stays as it
was so that figures compare with earlier runs.
    python3 bench/gen_gazetteer.py OUT.csv N [SEED]"""
import csv
import random
import sys

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
            "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史"
            "陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常")
MIDDLES = "家庄大小东西南北上下新老前后中高石河山水马牛杨柳桃红青白黑金长乐安平兴富"
LANDFORMS = "沟湾坪峁塬河山岭坡洼台川庄村寨堡屯营铺集店桥泉井园林岔梁畔咀湖港"
GENERICS = (("村委会", "village"), ("社区", "community"), ("村", "village"),
            ("镇", "town"), ("乡", "township"), ("街道", "street"), ("路", "road"),
            ("街", "road"), ("桥", "bridge"), ("公园", "park"), ("小学", "facility"),
            ("广场", "square"), ("水库", "water"))


def name(rng):
    n = rng.choice(SURNAMES)
    if rng.random() < 0.7:
        n += rng.choice(MIDDLES)
    n += rng.choice(LANDFORMS)
    if rng.random() < 0.3:
        n += rng.choice(LANDFORMS)
    generic, category = rng.choice(GENERICS)
    return n + generic, category


def main():
    out, n = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 16)
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["name", "category", "lon", "lat"])
        seen = set()
        for _ in range(n):
            nm, cat = name(rng)
            while (nm, cat) in seen:
                nm, cat = name(rng)
            seen.add((nm, cat))
            w.writerow([nm, cat, f"{rng.uniform(75, 134):.5f}", f"{rng.uniform(18, 53):.5f}"])


if __name__ == "__main__":
    main()
