-- 009_campaigns.sql — the rules a call states, kept with its campaign so that
-- the server enforces what the notice says: how many cases one unit may
-- submit (0: no limit), how many attachments a case must carry and what they
-- are, in words the form shows.
ALTER TABLE campaign ADD COLUMN cases_per_unit INTEGER NOT NULL DEFAULT 1
    CHECK (cases_per_unit >= 0);
ALTER TABLE campaign ADD COLUMN attachments_min INTEGER NOT NULL DEFAULT 0
    CHECK (attachments_min >= 0);
ALTER TABLE campaign ADD COLUMN attachments_note TEXT NOT NULL DEFAULT '';

-- The provincial-level divisions (GB/T 2260) with their recommending bodies: every
-- installation has them, so that a campaign made from an empty one can set its regional
-- quotas and invite its regions before any import.
INSERT OR IGNORE INTO region (code, name, source) VALUES
    ('110000', '北京市', '中共北京市委组织部'),
    ('120000', '天津市', '中共天津市委组织部'),
    ('130000', '河北省', '中共河北省委组织部'),
    ('140000', '山西省', '中共山西省委组织部'),
    ('150000', '内蒙古自治区', '中共内蒙古自治区委员会组织部'),
    ('210000', '辽宁省', '中共辽宁省委组织部'),
    ('220000', '吉林省', '中共吉林省委组织部'),
    ('230000', '黑龙江省', '中共黑龙江省委组织部'),
    ('310000', '上海市', '中共上海市委组织部'),
    ('320000', '江苏省', '中共江苏省委组织部'),
    ('330000', '浙江省', '中共浙江省委组织部'),
    ('340000', '安徽省', '中共安徽省委组织部'),
    ('350000', '福建省', '中共福建省委组织部'),
    ('360000', '江西省', '中共江西省委组织部'),
    ('370000', '山东省', '中共山东省委组织部'),
    ('410000', '河南省', '中共河南省委组织部'),
    ('420000', '湖北省', '中共湖北省委组织部'),
    ('430000', '湖南省', '中共湖南省委组织部'),
    ('440000', '广东省', '中共广东省委组织部'),
    ('450000', '广西壮族自治区', '中共广西壮族自治区委员会组织部'),
    ('460000', '海南省', '中共海南省委组织部'),
    ('500000', '重庆市', '中共重庆市委组织部'),
    ('510000', '四川省', '中共四川省委组织部'),
    ('520000', '贵州省', '中共贵州省委组织部'),
    ('530000', '云南省', '中共云南省委组织部'),
    ('540000', '西藏自治区', '中共西藏自治区委员会组织部'),
    ('610000', '陕西省', '中共陕西省委组织部'),
    ('620000', '甘肃省', '中共甘肃省委组织部'),
    ('630000', '青海省', '中共青海省委组织部'),
    ('640000', '宁夏回族自治区', '中共宁夏回族自治区委员会组织部'),
    ('650000', '新疆维吾尔自治区', '中共新疆维吾尔自治区委员会组织部'),
    ('660000', '新疆生产建设兵团', '中共新疆生产建设兵团委员会组织部');
