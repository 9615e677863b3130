"""The word lists of the activities contract (pure: no imports), with their Chinese
names. services.activities.contract re-exports them; the domain and the events take
them from here, so each list is defined once."""

LEVELS = ("city", "county", "grassroots")  # a union's level is its activities' tier
LEVEL_NAMES = {"city": "市级", "county": "县级", "grassroots": "基层"}
CATEGORIES = ("culture", "sports", "reading", "lecture", "exhibition", "women")
CATEGORY_NAMES = {"culture": "文化", "sports": "体育", "reading": "读书", "lecture": "宣讲",
                  "exhibition": "展览", "women": "女职工"}
STATUSES = ("submitted", "approved", "rejected", "returned")
STATUS_NAMES = {"submitted": "已提交", "approved": "已通过", "rejected": "未通过",
                "returned": "已退回"}
SEASONS = ("spring", "summer", "autumn", "winter")  # 四季歌
SEASON_NAMES = {"spring": "春", "summer": "夏", "autumn": "秋", "winter": "冬"}
EVIDENCE_KINDS = ("photo", "sign_in_sheet", "receipt", "other")
EVIDENCE_KIND_NAMES = {"photo": "照片", "sign_in_sheet": "签到表", "receipt": "票据",
                       "other": "其他"}
REVIEW_ACTIONS = ("approve", "reject", "return", "resubmit")  # transition's actions
HISTORY_ACTIONS = ("report", "edit", "resubmit", "approve", "reject", "return")
