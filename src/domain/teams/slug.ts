/**
 * How GitHub derives a team's slug from its name. The docs (teams/get-by-name) say GitHub "replaces special
 * characters in the `name` string, changes all words to lowercase, and replaces spaces with a `-` separator",
 * e.g. `"My TEam Näme"` → `my-team-name`. That is Rails' `parameterize`: transliterate to ASCII, turn every run of
 * characters other than letters, digits, `-` and `_` into one `-`, squeeze repeated `-`, trim `-` from both ends,
 * lower-case. Underscores survive (`my_team` stays `my_team`, as public tooling that builds slugs relies on).
 */

/** Letters NFKD does not decompose into ASCII, transliterated as Rails' default I18n approximations do. */
const TRANSLITERATIONS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  Æ: 'AE',
  ø: 'o',
  Ø: 'O',
  œ: 'oe',
  Œ: 'OE',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'TH',
  ı: 'i',
};

function transliterate(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/[^\p{ASCII}]/gu, (c) => TRANSLITERATIONS[c] ?? '-');
}

/**
 * The slug GitHub gives a team called `name`; empty when the name has no letter or digit to keep (the caller rejects
 * such names).
 */
export function teamSlug(name: string): string {
  return transliterate(name)
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();
}
