// Chinese first, English switchable. Each app passes its own dictionary:
//   const t = makeT({ zh: { save: '保存' }, en: { save: 'Save' } });
//   t('save')  ->  '保存' (or 'Save' after setLanguage('en'))
// Missing English falls back to Chinese; a missing key shows the key.
const STORAGE = 'gridd.lang';
const listeners = new Set();

export function language() {
  return localStorage.getItem(STORAGE) === 'en' ? 'en' : 'zh';
}

export function setLanguage(lang) {
  localStorage.setItem(STORAGE, lang === 'en' ? 'en' : 'zh');
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  for (const fn of listeners) fn(language());
}

export function onLanguage(fn) { listeners.add(fn); return () => listeners.delete(fn); }

export function makeT(dict) {
  return (key, vars) => {
    const lang = language();
    let text = dict[lang]?.[key] ?? dict.zh?.[key] ?? key;
    if (vars) for (const [k, v] of Object.entries(vars)) text = text.replaceAll(`{${k}}`, String(v));
    return text;
  };
}

/** A time in the city's zone (Asia/Shanghai), as people there read it. */
export function cityTime(iso, { date = true, time = true } = {}) {
  if (!iso) return '';
  const d = new Date(iso);
  const parts = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai', hour12: false,
    ...(date ? { year: 'numeric', month: '2-digit', day: '2-digit' } : {}),
    ...(time ? { hour: '2-digit', minute: '2-digit' } : {}),
  }).format(d);
  return parts.replaceAll('/', '-');
}
