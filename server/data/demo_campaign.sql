-- The demo city's 创建文明城市 campaign (2026年东城区创建文明城市专项行动),
-- loaded by `gridd demo` after demo_categories.sql: nine actions (专项行动),
-- each with its lead unit (牵头单位), responsible units (责任单位) and the
-- categories of the demo taxonomy it targets (a major such as event:02 covers
-- all its minors). Units: 1 环卫中心, 2 城管执法队, 3 城市管理委员会, 4 住建委,
-- 5 生态环境局, 6 交通支队, 7 市场监管局, 8 园林绿化局, 9 水务局, 10 东华门街道,
-- 11 景山街道. Loaded once: nothing happens when the campaign exists.
WITH campaign AS (
    INSERT INTO campaigns (code, name, starts_on, ends_on)
    VALUES ('wmcj-2026', '2026年东城区创建文明城市专项行动', '2026-01-01', '2026-12-31')
    ON CONFLICT (code) DO NOTHING
    RETURNING id),
plan (position, code, name, lead_unit_id, unit_ids, categories, description) AS (VALUES
 (0, 'shirong', '市容环境整治', 3::bigint, '{1,2,10,11}'::bigint[],
  '{event:0102,event:0103,event:0104,event:0107,event:0108,component:0301,component:0302,component:0303}'::text[],
  '垃圾暴露、积存渣土、道路不洁、乱堆乱放动态清零，公厕和垃圾箱完好'),
 (1, 'weijian', '违法建设治理', 2, '{4,10,11}',
  '{event:0101}',
  '新生违建零增长，存量违建按台账分批拆除'),
 (2, 'zhandao', '占道经营整治', 2, '{7,10,11}',
  '{event:0501,event:0502,event:0505,event:0506}',
  '游商摊贩、店外经营、露天烧烤和占道废品收购整治'),
 (3, 'guanggao', '户外广告和牌匾标识整治', 3, '{2,10,11}',
  '{event:02,component:0304}',
  '小广告、乱拉乱挂和违规户外广告清理，牌匾标识规范设置'),
 (4, 'jiaotong', '交通秩序整治', 6, '{2,3,10,11}',
  '{event:0503,event:0504,component:02}',
  '机动车和非机动车乱停放治理，交通设施完好'),
 (5, 'lvhua', '园林绿化提升', 8, '{1,10,11}',
  '{event:0106,component:04}',
  '绿地保洁，行道树、绿地和花坛养护'),
 (6, 'shuihuanjing', '水环境治理', 9, '{5,10,11}',
  '{event:0105,event:0403,event:0404,component:0102,component:0103}',
  '水域保洁，道路积水和下水道堵塞及时处置，井盖和雨水箅子完好'),
 (7, 'shichang', '食品摊点和市场秩序整治', 7, '{2,10,11}',
  '{event:0501,event:0505,event:0506}',
  '无证食品摊点、露天烧烤和废品收购点整治'),
 (8, 'yangchen', '大气污染和扬尘治理', 5, '{1,2,4}',
  '{event:0109,event:0302,event:0303}',
  '焚烧垃圾树叶、工地扬尘和道路遗撒治理')
),
actions AS (
    INSERT INTO campaign_actions (campaign_id, code, name, description, lead_unit_id, position)
    SELECT campaign.id, p.code, p.name, p.description, p.lead_unit_id, p.position
    FROM campaign, plan p
    RETURNING id, code),
responsible AS (
    INSERT INTO campaign_action_units (action_id, unit_id)
    SELECT a.id, unnest(p.unit_ids) FROM actions a JOIN plan p USING (code))
INSERT INTO campaign_action_categories (action_id, category_kind, category_code)
SELECT a.id, split_part(c, ':', 1), split_part(c, ':', 2)
FROM actions a JOIN plan p USING (code), unnest(p.categories) AS c;
