#!/usr/bin/env python3
"""divisions.py — write src/demo/divisions.txt, the real places of the demo's units.

Usage: divisions.py DIVISIONS_JSON > src/demo/divisions.txt

DIVISIONS_JSON is China's administrative divisions by GB/T 2260 code (provinces,
prefecture-level cities, county-level districts and each district's 街道, the
National Bureau of Statistics' 2023 division codes), shaped
{"provinces": [{"code", "name", "cities": [{"code", "name", "districts":
[{"code", "name", "streets": [...]}]}]}]}.  This script is run by hand when
the choice below changes; the build only embeds its output, and nothing reads
the JSON at build or run time.

The output is the demo's unit tree below its 32 regions, in the order of
dw_regions (src/demo/words.c), one place a line:

  R <code> <name>             a region (provincial unit)
  C <code> <name> [streets]   a level-1 unit under the last R: a city, a
                              municipality's district, or an XPCC division (师)
  D <code> <name> [streets]   a level-2 unit under the last C: a district, or
                              the city an XPCC division governs (师市合一)

Streets are the stems of the place's 街道 (the suffix 街道 dropped); codes
are six-digit GB/T 2260 codes, "-" where the data has none.  It keeps only
what the demo uses: the cities chosen below; for a province's city its first
DISTRICTS districts (in code order) that have 街道, with their first STREETS
街道; for a municipality's district all its 街道.  A city without districts
(东莞市, 中山市) lists its 街道 on its own line.
"""
import json
import sys

DISTRICTS = 5
STREETS = 6

# The level-1 units of each region, by region code: the demo's choice.
CITIES = {
    "110000": "东城区 西城区 朝阳区 海淀区 丰台区 石景山区 通州区 顺义区 大兴区 昌平区",
    "120000": "和平区 河西区 南开区 河北区 红桥区 滨海新区 西青区 武清区",
    "130000": "石家庄市 唐山市 保定市 邯郸市 秦皇岛市 廊坊市",
    "140000": "太原市 大同市 长治市 晋中市 运城市",
    "150000": "呼和浩特市 包头市 鄂尔多斯市 赤峰市",
    "210000": "沈阳市 大连市 鞍山市 抚顺市 锦州市 营口市",
    "220000": "长春市 吉林市 四平市 通化市",
    "230000": "哈尔滨市 齐齐哈尔市 牡丹江市 佳木斯市 大庆市",
    "310000": "黄浦区 徐汇区 长宁区 静安区 普陀区 虹口区 杨浦区 闵行区 宝山区 嘉定区 "
              "浦东新区 金山区 松江区 青浦区 奉贤区 崇明区",
    "320000": "南京市 苏州市 无锡市 常州市 南通市 扬州市 徐州市 宿迁市",
    "330000": "杭州市 宁波市 温州市 嘉兴市 湖州市 绍兴市 金华市 台州市",
    "340000": "合肥市 芜湖市 蚌埠市 马鞍山市 安庆市 铜陵市",
    "350000": "福州市 厦门市 泉州市 漳州市 莆田市 三明市",
    "360000": "南昌市 赣州市 九江市 上饶市 景德镇市",
    "370000": "济南市 青岛市 烟台市 潍坊市 淄博市 临沂市 济宁市 威海市",
    "410000": "郑州市 洛阳市 开封市 新乡市 南阳市 许昌市 安阳市",
    "420000": "武汉市 宜昌市 襄阳市 黄石市 荆州市 十堰市",
    "430000": "长沙市 株洲市 湘潭市 衡阳市 岳阳市 常德市",
    "440000": "广州市 深圳市 佛山市 东莞市 珠海市 中山市 惠州市 江门市",
    "450000": "南宁市 柳州市 桂林市 北海市 玉林市",
    "460000": "海口市 三亚市 儋州市",
    "500000": "渝中区 江北区 南岸区 九龙坡区 沙坪坝区 渝北区 巴南区 万州区",
    "510000": "成都市 绵阳市 德阳市 宜宾市 南充市 泸州市 乐山市",
    "520000": "贵阳市 遵义市 六盘水市 安顺市",
    "530000": "昆明市 曲靖市 玉溪市 保山市 昭通市",
    "540000": "拉萨市 日喀则市 林芝市 昌都市",
    "610000": "西安市 宝鸡市 咸阳市 延安市 汉中市 榆林市",
    "620000": "兰州市 天水市 白银市 酒泉市 张掖市",
    "630000": "西宁市 海东市 海西蒙古族藏族自治州",
    "640000": "银川市 石嘴山市 吴忠市 固原市",
    "650000": "乌鲁木齐市 克拉玛依市 吐鲁番市 哈密市",
}
MUNICIPALITIES = ("110000", "120000", "310000", "500000")

# XPCC (660000): each division (师) with the city it governs, where that city
# has 街道; the cities are 新疆's 省直辖 county-level cities (6590xx).
XPCC = [("第一师", "阿拉尔市"), ("第二师", "铁门关市"), ("第三师", "图木舒克市"),
        ("第四师", "可克达拉市"), ("第五师", "双河市"), ("第六师", "五家渠市"),
        ("第七师", "胡杨河市"), ("第八师", "石河子市"), ("第十师", "北屯市"),
        ("第十四师", "昆玉市")]
XPCC_REGION = ("660000", "新疆生产建设兵团")
# The order of dw_regions: XPCC after 新疆.
ORDER = list(CITIES) + [XPCC_REGION[0]]


def six(code):
    return code.ljust(6, "0")


def stems(streets):
    for s in streets:
        if not s.endswith("街道") or len(s) < 3 or " " in s:
            sys.exit("divisions.py: not a 街道 name: %r" % s)
    return [s[:-2] for s in streets]


def line(kind, code, name, streets=()):
    if " " in name:
        sys.exit("divisions.py: a space in %r" % name)
    return " ".join([kind, code, name] + list(streets))


def municipality(prov, names):
    by_name = {d["name"]: d for c in prov["cities"] for d in c["districts"]}
    return [line("C", d["code"], d["name"], stems(d["streets"]))
            for d in (by_name[n] for n in names)]


def province(prov, names):
    by_name = {c["name"]: c for c in prov["cities"]}
    out = []
    for n in names:
        city = by_name[n]
        towns = [d for d in city["districts"] if len(d["code"]) > 6]
        own = [d["name"] for d in towns if d["name"].endswith("街道")]
        out.append(line("C", six(city["code"]), n, stems(own)))
        districts = [d for d in city["districts"] if len(d["code"]) == 6 and d["streets"]]
        for d in districts[:DISTRICTS]:
            out.append(line("D", d["code"], d["name"], stems(d["streets"][:STREETS])))
    return out


def xpcc(xinjiang):
    by_name = {d["name"]: d for c in xinjiang["cities"] if c["code"] == "6590"
               for d in c["districts"]}
    out = []
    for division, name in XPCC:
        d = by_name[name]
        out.append(line("C", "-", division))
        out.append(line("D", d["code"], name, stems(d["streets"])))
    return out


def main():
    data = json.load(open(sys.argv[1], encoding="utf-8"))
    provinces = {six(p["code"]): p for p in data["provinces"]}
    lines = ["# divisions.txt — the real places of the demo's units, written by tools/divisions.py",
             "# from the National Bureau of Statistics' division codes (2023); see that script.",
             "# R region, C level-1 unit, D level-2 unit: kind, GB/T 2260 code, name, 街道 stems."]
    for code in ORDER:
        if code == XPCC_REGION[0]:
            lines.append(line("R", *XPCC_REGION))
            lines += xpcc(provinces["650000"])
            continue
        prov = provinces[code]
        lines.append(line("R", code, prov["name"]))
        names = CITIES[code].split()
        lines += municipality(prov, names) if code in MUNICIPALITIES else province(prov, names)
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
