/**
 * A chat message as a report's text: what the person wrote, without the markup their client added.
 * Mentions go entirely (the app's own, and anyone else's: a colleague's name is not the problem),
 * links keep the words shown, and the result is one line.
 */

/**
 * Slack's `text` (docs.slack.dev, "Formatting text for app surfaces"): `<@U…>` and `<!here>` are
 * mentions; `<#C…|name>` a channel; `<url|label>` a link; `<!date^…|fallback>` a date. Slack
 * escapes only `&`, `<` and `>`, so the brackets left are its own and are read before `&lt;` is.
 */
export function slackText(text: string): string {
  const linked = text.replace(/<([^<>]*)>/g, (_whole, inner: string) => {
    const [target = '', label] = inner.split('|', 2);
    if (target.startsWith('@')) return ' ';
    if (target.startsWith('#')) return label ? `#${label}` : ' ';
    if (target.startsWith('!')) return target.startsWith('!date') && label ? label : ' ';
    return label ?? target;
  });
  return oneLine(linked.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * A Teams message's `text` (HTML: `<at>corral</at> Epic is frozen<br>`): the mentions go with their
 * names, other tags become spaces, and entities are decoded once, after the tags are gone, so an
 * escaped `&lt;b&gt;` the person typed stays text.
 */
export function teamsText(html: string): string {
  const plain = html.replace(/<at\b[^>]*>[\s\S]*?<\/at>/gi, ' ').replace(/<[^>]*>/g, ' ');
  return oneLine(
    plain.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,6});/gi, (whole, name: string) => {
      if (name[0] !== '#') return NAMED[name.toLowerCase()] ?? whole;
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
      // A lone surrogate (`&#xD83D;`) is half a character: left as written rather than made text no one can store.
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : whole;
    }),
  );
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
