-- Demo taxonomy (CJ/T 214, GB/T 30428.2 style) and routing rules of the demo
-- city, loaded by `gridd demo`. Units: 1 环卫中心, 2 城管执法队, 3 城市管理委员会,
-- 4 住建委, 5 生态环境局, 6 交通支队, 7 市场监管局, 8 园林绿化局, 9 水务局,
-- 10 东华门街道, 11 景山街道. Limits: value + unit; urgent ones for 突发事件.
INSERT INTO categories (kind, code, name_zh, name_en, default_unit_id, limit_value, limit_unit,
                        urgent_limit_value, urgent_limit_unit, urgent_by_default, after_photo_required) VALUES
 ('event', '01', '市容环境', 'City appearance', NULL, NULL, NULL, NULL, NULL, false, true),
 ('event', '0101', '乱搭乱建', 'Illegal construction', 2, 5, 'working_days', NULL, NULL, false, true),
 ('event', '0102', '暴露垃圾', 'Exposed garbage', 1, 4, 'working_hours', 2, 'calendar_hours', false, true),
 ('event', '0103', '积存垃圾渣土', 'Accumulated waste and muck', 1, 1, 'working_days', NULL, NULL, false, true),
 ('event', '0104', '道路不洁', 'Dirty road', 1, 2, 'working_hours', 1, 'calendar_hours', false, true),
 ('event', '0105', '水域不洁', 'Dirty water surface', 9, 1, 'working_days', NULL, NULL, false, true),
 ('event', '0106', '绿地脏乱', 'Untidy green space', 8, 5, 'working_days', NULL, NULL, false, true),
 ('event', '0107', '乱堆乱放', 'Piles in public space', 2, 4, 'working_hours', NULL, NULL, false, true),
 ('event', '0108', '乱扔乱吐', 'Littering and spitting', 1, 2, 'working_hours', NULL, NULL, false, false),
 ('event', '0109', '焚烧垃圾树叶', 'Burning rubbish or leaves', 5, 2, 'working_hours', 1, 'calendar_hours', false, true),
 ('event', '02', '宣传广告', 'Advertising', NULL, NULL, NULL, NULL, NULL, false, true),
 ('event', '0201', '乱贴乱写乱画', 'Flyposting and graffiti', 1, 1, 'working_days', NULL, NULL, false, true),
 ('event', '0202', '乱拉乱挂', 'Illegal banners and hangings', 2, 1, 'working_days', NULL, NULL, false, true),
 ('event', '0203', '违规户外广告', 'Unlicensed outdoor advertising', 3, 5, 'working_days', NULL, NULL, false, true),
 ('event', '03', '施工管理', 'Construction sites', NULL, NULL, NULL, NULL, NULL, false, true),
 ('event', '0301', '施工扰民', 'Construction noise', 4, 1, 'working_days', NULL, NULL, false, false),
 ('event', '0302', '工地扬尘', 'Construction dust', 5, 4, 'working_hours', NULL, NULL, false, true),
 ('event', '0303', '道路遗撒', 'Spilled load on the road', 1, 2, 'working_hours', 1, 'calendar_hours', false, true),
 ('event', '0304', '无证掘路', 'Unlicensed road digging', 3, 1, 'working_days', NULL, NULL, false, true),
 ('event', '04', '突发事件', 'Emergencies', NULL, NULL, NULL, NULL, NULL, false, true),
 ('event', '0401', '路面塌陷', 'Road collapse', 3, 2, 'calendar_hours', 1, 'calendar_hours', true, true),
 ('event', '0402', '自来水管破裂', 'Burst water main', 9, 2, 'calendar_hours', 1, 'calendar_hours', true, true),
 ('event', '0403', '道路积水', 'Flooded road', 9, 2, 'calendar_hours', 1, 'calendar_hours', true, true),
 ('event', '0404', '下水道堵塞', 'Blocked sewer', 9, 4, 'working_hours', 2, 'calendar_hours', false, true),
 ('event', '0405', '道路结冰', 'Icy road', 1, 2, 'calendar_hours', 1, 'calendar_hours', true, true),
 ('event', '05', '街面秩序', 'Street order', NULL, NULL, NULL, NULL, NULL, false, true),
 ('event', '0501', '乱设摊点', 'Unlicensed street stalls', 2, 2, 'working_hours', NULL, NULL, false, true),
 ('event', '0502', '店外经营', 'Business spilling onto the pavement', 2, 4, 'working_hours', NULL, NULL, false, true),
 ('event', '0503', '机动车乱停放', 'Illegally parked cars', 6, 2, 'working_hours', NULL, NULL, false, true),
 ('event', '0504', '非机动车乱停放', 'Badly parked bicycles', 10, 4, 'working_hours', NULL, NULL, false, true),
 ('event', '0505', '露天烧烤', 'Open-air barbecue', 2, 2, 'working_hours', NULL, NULL, false, true),
 ('event', '0506', '占道废品收购', 'Scrap collection on the road', 7, 4, 'working_hours', NULL, NULL, false, true),
 ('event', '06', '其他事件', 'Other events', NULL, NULL, NULL, NULL, NULL, false, true),
 ('event', '0601', '其他', 'Other', 3, 5, 'working_days', NULL, NULL, false, true),
 ('component', '01', '公用设施', 'Public utilities', NULL, NULL, NULL, NULL, NULL, false, true),
 ('component', '0101', '上水井盖破损', 'Damaged water manhole cover', 9, 1, 'working_days', NULL, NULL, false, true),
 ('component', '0102', '污水井盖破损', 'Damaged sewage manhole cover', 9, 1, 'working_days', NULL, NULL, false, true),
 ('component', '0103', '雨水箅子破损', 'Damaged storm drain grate', 9, 1, 'working_days', NULL, NULL, false, true),
 ('component', '0104', '井盖缺失', 'Missing manhole cover', 3, 2, 'calendar_hours', 1, 'calendar_hours', true, true),
 ('component', '0105', '消防栓损坏', 'Damaged fire hydrant', 9, 2, 'working_days', NULL, NULL, false, true),
 ('component', '0106', '路灯损坏', 'Broken street light', 3, 3, 'working_days', NULL, NULL, false, true),
 ('component', '02', '道路交通', 'Roads and traffic', NULL, NULL, NULL, NULL, NULL, false, true),
 ('component', '0201', '交通信号灯故障', 'Faulty traffic light', 6, 4, 'calendar_hours', 2, 'calendar_hours', false, true),
 ('component', '0202', '交通标志牌损坏', 'Damaged traffic sign', 6, 3, 'working_days', NULL, NULL, false, true),
 ('component', '0203', '护栏损坏', 'Damaged guardrail', 3, 3, 'working_days', NULL, NULL, false, true),
 ('component', '0204', '人行道砖破损', 'Broken paving', 3, 5, 'working_days', NULL, NULL, false, true),
 ('component', '0205', '公交站亭损坏', 'Damaged bus shelter', 6, 5, 'working_days', NULL, NULL, false, true),
 ('component', '03', '市容环境', 'City appearance', NULL, NULL, NULL, NULL, NULL, false, true),
 ('component', '0301', '公共厕所损坏', 'Damaged public toilet', 1, 1, 'working_days', NULL, NULL, false, true),
 ('component', '0302', '垃圾箱破损', 'Damaged litter bin', 1, 1, 'working_days', NULL, NULL, false, true),
 ('component', '0303', '垃圾满溢', 'Overflowing bin', 1, 2, 'working_hours', NULL, NULL, false, true),
 ('component', '0304', '广告牌匾破损', 'Damaged shop sign', 3, 3, 'working_days', NULL, NULL, false, true),
 ('component', '04', '园林绿化', 'Parks and greenery', NULL, NULL, NULL, NULL, NULL, false, true),
 ('component', '0401', '行道树倒伏', 'Fallen street tree', 8, 4, 'calendar_hours', 2, 'calendar_hours', false, true),
 ('component', '0402', '绿地损坏', 'Damaged green space', 8, 5, 'working_days', NULL, NULL, false, true),
 ('component', '0403', '花坛损坏', 'Damaged flower bed', 8, 5, 'working_days', NULL, NULL, false, true),
 ('component', '05', '其他设施', 'Other facilities', NULL, NULL, NULL, NULL, NULL, false, true),
 ('component', '0501', '健身设施损坏', 'Damaged fitness equipment', 10, 5, 'working_days', NULL, NULL, false, true),
 ('component', '0502', '其他设施损坏', 'Other damaged facility', 3, 5, 'working_days', NULL, NULL, false, true)
ON CONFLICT (kind, code) DO NOTHING;

-- Street offices handle parked bicycles and stalls in their own street; the
-- sanitation centre's rule for exposed garbage in one community goes to the
-- street office there (a local arrangement).
INSERT INTO routing_rules (category_kind, category_code, area_code, cell_code, unit_id, priority, note)
SELECT * FROM (VALUES
 ('event', '0504', '110101001', NULL::text, 10::bigint, 0, '东华门街道自管非机动车停放'),
 ('event', '0504', '110101002', NULL, 11, 0, '景山街道自管非机动车停放'),
 ('event', '05', '110101002', NULL, 11, 0, '景山街道街面秩序由街道牵头'),
 ('event', '0102', '110101002002', NULL, 11, 0, '三眼井社区暴露垃圾由街道保洁队处置'),
 ('event', '0102', NULL, '110101002002006', 2, 5, '景山后街网格由城管执法队处置')
) AS r(category_kind, category_code, area_code, cell_code, unit_id, priority, note)
WHERE NOT EXISTS (SELECT 1 FROM routing_rules);

-- The 2026 national holidays and make-up working days (调休), as published in
-- 国务院办公厅关于2026年部分节假日安排的通知 (4 November 2025, Xinhua): 元旦
-- 1-3 Jan (work Sun 4 Jan); 春节 15-23 Feb (work Sat 14 and Sat 28 Feb); 清明
-- 4-6 Apr; 劳动节 1-5 May (work Sat 9 May); 端午 19-21 Jun; 中秋 25-27 Sep;
-- 国庆 1-7 Oct (work Sun 20 Sep and Sat 10 Oct). Load later years with
-- PUT /v1/calendar/{year} when the State Council publishes them.
INSERT INTO calendar_exceptions (day, kind, pattern, name)
SELECT d::date, k, p, n FROM (VALUES
 ('2026-01-01', 'holiday', NULL, '元旦'), ('2026-01-02', 'holiday', NULL, '元旦'),
 ('2026-01-03', 'holiday', NULL, '元旦'), ('2026-01-04', 'workday', NULL, '元旦调休'),
 ('2026-02-14', 'workday', NULL, '春节调休'),
 ('2026-02-15', 'holiday', NULL, '春节'), ('2026-02-16', 'holiday', NULL, '春节'),
 ('2026-02-17', 'holiday', NULL, '春节'), ('2026-02-18', 'holiday', NULL, '春节'),
 ('2026-02-19', 'holiday', NULL, '春节'), ('2026-02-20', 'holiday', NULL, '春节'),
 ('2026-02-21', 'holiday', NULL, '春节'), ('2026-02-22', 'holiday', NULL, '春节'),
 ('2026-02-23', 'holiday', NULL, '春节'), ('2026-02-28', 'workday', NULL, '春节调休'),
 ('2026-04-04', 'holiday', NULL, '清明节'), ('2026-04-05', 'holiday', NULL, '清明节'),
 ('2026-04-06', 'holiday', NULL, '清明节'),
 ('2026-05-01', 'holiday', NULL, '劳动节'), ('2026-05-02', 'holiday', NULL, '劳动节'),
 ('2026-05-03', 'holiday', NULL, '劳动节'), ('2026-05-04', 'holiday', NULL, '劳动节'),
 ('2026-05-05', 'holiday', NULL, '劳动节'), ('2026-05-09', 'workday', NULL, '劳动节调休'),
 ('2026-06-19', 'holiday', NULL, '端午节'), ('2026-06-20', 'holiday', NULL, '端午节'),
 ('2026-06-21', 'holiday', NULL, '端午节'),
 ('2026-09-20', 'workday', NULL, '国庆节调休'),
 ('2026-09-25', 'holiday', NULL, '中秋节'), ('2026-09-26', 'holiday', NULL, '中秋节'),
 ('2026-09-27', 'holiday', NULL, '中秋节'),
 ('2026-10-01', 'holiday', NULL, '国庆节'), ('2026-10-02', 'holiday', NULL, '国庆节'),
 ('2026-10-03', 'holiday', NULL, '国庆节'), ('2026-10-04', 'holiday', NULL, '国庆节'),
 ('2026-10-05', 'holiday', NULL, '国庆节'), ('2026-10-06', 'holiday', NULL, '国庆节'),
 ('2026-10-07', 'holiday', NULL, '国庆节'), ('2026-10-10', 'workday', NULL, '国庆节调休')
) AS e(d, k, p, n)
WHERE NOT EXISTS (SELECT 1 FROM calendar_exceptions WHERE extract(year FROM day) = 2026);
