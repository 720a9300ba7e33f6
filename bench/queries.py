"""The fixed set of 50 search queries the benchmark runs: common and rare words, phrases,
typos, Korean, names and operators."""

COMMON = [
    "refugees", "children", "shelter", "women", "survivors", "families", "training",
    "legal", "food", "support",
]  # fmt: skip
RARE = ["wellspring", "kinship", "scholarship", "confidential", "mentoring", "lantern", "compass"]
PHRASES = [
    '"safe houses"', '"legal aid"', '"trusted local partners"', '"job training"',
    '"monthly grants"', '"border regions"',
]  # fmt: skip
TYPOS = ["refugess", "trafficing", "shleter", "resetlement", "scholarshp", "counseling", "mentorng"]
KOREAN = ["탈북민", "인신매매", "인권", "탈북", "북", "아동", "여성 인권", "난민 구출", "상담"]
NAMES = ["Hope Foundation", "Beacon Trust", "Harbor Relief", "Northern Light", "Open Door"]
OPERATORS = [
    "refugees -china", "shelter or counselling", "women children", "survivors -trafficking",
    '"safe houses" or "legal aid"', "families or -food",
]  # fmt: skip

QUERIES = COMMON + RARE + PHRASES + TYPOS + KOREAN + NAMES + OPERATORS
assert len(QUERIES) == 50, len(QUERIES)
