/** One metric family of a /metrics answer (Prometheus text format 0.0.4). */
export interface Family {
  type: string;
  /** Label names seen on its samples (le and quantile included). */
  labels: Set<string>;
  /** Each sample line: its labels as `name="value"` text, and its value. */
  samples: Array<{ labels: string; value: number }>;
}

/** The families of a scrape, by name, from their `# TYPE` lines and sample lines. */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    families.set(name!, { type: type!, labels: new Set(), samples: [] });
  }
  const owner = (series: string) => {
    if (families.has(series)) return families.get(series);
    const base = series.replace(/_(bucket|sum|count|total|created)$/, '');
    return families.get(base);
  };
  for (const [, series, labels = '', value] of text.matchAll(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? (\S+)/gm)) {
    const family = owner(series!);
    if (!family) continue;
    family.samples.push({ labels, value: Number(value) });
    for (const [, label] of labels.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) family.labels.add(label!);
  }
  return families;
}

/** Merges the families of several scrapes (the write agent's and the read agent's). */
export function mergeFamilies(...scrapes: Array<Map<string, Family>>): Map<string, Family> {
  const merged = new Map<string, Family>();
  for (const scrape of scrapes) {
    for (const [name, family] of scrape) {
      const known: Family = merged.get(name) ?? { type: family.type, labels: new Set<string>(), samples: [] };
      for (const label of family.labels) known.labels.add(label);
      known.samples.push(...family.samples);
      merged.set(name, known);
    }
  }
  return merged;
}
