/**
 * What a PromQL expression reads: the metric names it selects, the label names its
 * matchers name per metric, and the labels it groups or matches on. A small scanner, not
 * a parser: enough for the expressions of this repository's dashboard and rules, which a
 * test also feeds to promtool.
 */
export interface PromqlReads {
  metrics: Set<string>;
  /** metric -> label names of its `{...}` matchers */
  matcherLabels: Map<string, Set<string>>;
  /** labels of by/without/on/ignoring/group_left/group_right */
  groupingLabels: Set<string>;
}

const KEYWORDS = new Set([
  'and', 'or', 'unless', 'atan2', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right',
  'offset', 'bool', 'inf', 'nan',
]);
const GROUPING = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';

export function readsOf(expression: string): PromqlReads {
  const text = expression
    // Grafana's variables ($__rate_interval, ${job}, [[job]]) stand for durations or values.
    .replace(/\$\{[^}]*\}|\$\w+|\[\[[^\]]*\]\]/g, '1m')
    .replace(/#[^\n]*/g, '');

  const matcherLabels = new Map<string, Set<string>>();
  // Strings first, so that braces or commas inside a label value count for nothing.
  let rest = text.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');

  const groupingLabels = new Set<string>();
  rest = rest.replace(GROUPING, (_, labels: string) => {
    for (const label of labels.split(',').map((l) => l.trim()).filter(Boolean)) groupingLabels.add(label);
    return ' ';
  });

  const metrics = new Set<string>();
  rest = rest.replace(new RegExp(`(?<![\\w:.])(${NAME})?\\s*\\{([^}]*)\\}`, 'g'), (_, name: string | undefined, matchers: string) => {
    const labels = [...matchers.matchAll(new RegExp(`(${NAME})\\s*(?:=~|!~|!=|=)`, 'g'))].map((m) => m[1]!);
    const nameMatcher = labels.indexOf('__name__');
    if (name) {
      metrics.add(name);
      const known = matcherLabels.get(name) ?? new Set<string>();
      for (const label of labels) known.add(label);
      matcherLabels.set(name, known);
    } else if (nameMatcher >= 0) {
      throw new Error(`selectors by __name__ are not supported: ${expression}`);
    }
    return ' ';
  });

  // Ranges and subqueries, offsets: durations only.
  rest = rest.replace(/\[[^\]]*\]/g, ' ').replace(/\boffset\s+-?[\dsmhdwy]+/g, ' ');

  for (const match of rest.matchAll(new RegExp(`(?<![\\w:.])(${NAME})(?![\\w:])(?!\\s*\\()`, 'g'))) {
    const word = match[1]!;
    if (!KEYWORDS.has(word.toLowerCase())) metrics.add(word);
  }
  return { metrics, matcherLabels, groupingLabels };
}

/** A histogram's or summary's series names belong to its family: `x_bucket` -> `x`. */
export function familyOf(name: string, histogramFamilies: Set<string>): string {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && histogramFamilies.has(base) ? base : name;
}
