// Pinyin initials for searching categories by typing e.g. "blj" for 暴露垃圾.
// A full pinyin table is large; this one covers the characters of the demo
// city's category names (server/data/demo_categories.sql) and the common
// words of city management. A character missing here simply has no initial
// (the name and code searches still find it). Polyphones take the reading
// used in these names (行 xíng in 人行道, 塞 sè in 堵塞).
const TABLE = {
  b: '不冰匾暴标箅板报崩摆避病包边被',
  c: '传厕存尘车场厂超城除',
  d: '倒动地堆堵店搭灯点道电导大低',
  f: '伏发废放焚防非房封',
  g: '公共告工广挂故盖管规购给杆沟',
  h: '化号坏户护环画花河黄',
  j: '井交件健圾境建掘机洁积经结街绝井禁',
  k: '烤空坑',
  l: '乱垃拉来林栏理绿裂路露流漏垃',
  m: '民满面门',
  p: '品牌破排铺',
  q: '其缺墙桥区',
  r: '人容扔扰',
  s: '上事塞失所损撒收施树栓水烧设身市施私塑',
  t: '亭他停吐土坛塌天摊突贴通',
  w: '外无污违物网',
  x: '下信写宣序消箱行陷修线',
  y: '叶园域扬溢用营遗雨油',
  z: '占子志渣砖秩站脏自证障占噪杂',
};
const MAP = new Map();
for (const [letter, chars] of Object.entries(TABLE)) for (const c of chars) if (!MAP.has(c)) MAP.set(c, letter);

/** 'blj' for 暴露垃圾; ASCII letters and digits are kept, unknown characters dropped. */
export function initials(text) {
  let out = '';
  for (const c of text ?? '') {
    if (/[a-z0-9]/i.test(c)) out += c.toLowerCase();
    else if (MAP.has(c)) out += MAP.get(c);
  }
  return out;
}
