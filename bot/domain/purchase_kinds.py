"""The canteen ledger's headings (肉禽蛋, 蔬菜, 粮油, 调料, 日杂 …) for purchase lines.

Configurable with BOT_PURCHASE_CATEGORIES; kept apart from bot.domain.reports so that
bot.config can read the setting without importing the repair rules.
"""

from __future__ import annotations

import functools
import re

CategoryMap = tuple[tuple[str, tuple[str, ...]], ...]

# The canteen's usual ledger headings. The longest keyword found in an item wins; on a tie
# the earlier category does (鸡精 is a seasoning, 鸡蛋 is 肉禽蛋, 菜籽油 is 粮油).
DEFAULT_PURCHASE_CATEGORIES: CategoryMap = (
    ("肉禽蛋", ("猪肉", "牛肉", "羊肉", "排骨", "五花", "里脊", "肉", "鸡", "鸭", "鹅", "蛋")),
    ("水产", ("鱼", "虾", "蟹", "海带", "紫菜", "水产")),
    (
        "粮油",
        (
            "大米",
            "米",
            "面粉",
            "面条",
            "挂面",
            "面",
            "粉丝",
            "食用油",
            "菜籽油",
            "花生油",
            "调和油",
            "油",
            "馒头",
        ),
    ),
    (
        "调料",
        (
            "盐",
            "酱油",
            "蚝油",
            "酱",
            "醋",
            "白糖",
            "糖",
            "味精",
            "鸡精",
            "料酒",
            "花椒",
            "八角",
            "调料",
            "辣椒面",
        ),
    ),
    ("豆制品", ("豆腐", "豆干", "腐竹", "千张")),
    (
        "蔬菜",
        (
            "白菜",
            "青菜",
            "菜",
            "瓜",
            "豆芽",
            "萝卜",
            "土豆",
            "马铃薯",
            "茄子",
            "番茄",
            "西红柿",
            "辣椒",
            "青椒",
            "葱",
            "姜",
            "蒜",
            "菇",
            "笋",
            "藕",
            "芹",
            "韭",
            "豆角",
            "莴",
            "洋葱",
            "蔬菜",
        ),
    ),
    ("水果", ("苹果", "香蕉", "橙", "橘", "梨", "西瓜", "葡萄", "水果")),
    (
        "日杂",
        (
            "洗洁精",
            "洗衣粉",
            "纸",
            "袋",
            "手套",
            "抹布",
            "清洁",
            "消毒",
            "煤",
            "燃气",
            "液化气",
            "餐具",
            "日杂",
        ),
    ),
)
OTHER_CATEGORY = "其他"


def parse_category_map(text: str) -> CategoryMap:
    """``肉禽蛋:猪肉,鸡,蛋;蔬菜:白菜,青菜`` -> a map (ValueError says what is wrong)."""
    result: list[tuple[str, tuple[str, ...]]] = []
    for part in filter(None, (p.strip() for p in re.split(r"[;；]", text))):
        m = re.fullmatch(r"([^:：=]*)[:：=](.*)", part)
        if m is None:
            raise ValueError(f"expected 类别:词,词 — got {part!r}")
        name, words = m[1], m[2]
        keywords = tuple(w.strip() for w in re.split(r"[,，、]", words) if w.strip())
        if not name.strip() or not keywords:
            raise ValueError(f"a category needs a name and keywords: {part!r}")
        result.append((name.strip(), keywords))
    if not result:
        raise ValueError("no category given")
    return tuple(result)


@functools.lru_cache(maxsize=8192)  # a year repeats a few hundred items thousands of times
def purchase_category(item: str, categories: CategoryMap) -> str:
    best, best_len = OTHER_CATEGORY, 0
    for name, words in categories:
        for word in words:
            if len(word) > best_len and word in item:
                best, best_len = name, len(word)
    return best
