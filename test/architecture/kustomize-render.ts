import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

// kubectl is not available in CI: this renders what the checks need of a kustomization
// (its resources and components' resources, recursively, and the `images` transform) and
// names the generated ConfigMaps and Secrets, whose names kustomize suffixes with a hash.
// Patches, replacements and labels are left out: no check here depends on them.

type Dict = Record<string, any>;

export interface Rendered {
  objects: Dict[];
  /** ConfigMaps and Secrets generated with a hash-suffixed name. */
  generatedNames: Set<string>;
}

interface ImageRule {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

function kustomizationOf(dir: string): Dict {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((name) => join(dir, name)).find(existsSync);
  if (!file) throw new Error(`no kustomization in ${dir}`);
  return parse(readFileSync(file, 'utf8'));
}

/** Every container of a pod spec, init and ephemeral ones included. */
export function containersOf(pod: Dict): Dict[] {
  return [...(pod.initContainers ?? []), ...(pod.containers ?? []), ...(pod.ephemeralContainers ?? [])];
}

/** The pod template of a workload (Deployment, StatefulSet, DaemonSet, Job, CronJob), if any. */
export function podTemplateOf(object: Dict): Dict | undefined {
  if (object.kind === 'CronJob') return object.spec?.jobTemplate?.spec?.template;
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(object.kind)) return object.spec?.template;
  if (object.kind === 'Pod') return { metadata: object.metadata, spec: object.spec };
  return undefined;
}

function applyImages(objects: Dict[], rules: ImageRule[]): void {
  for (const object of objects) {
    const pod = podTemplateOf(object)?.spec;
    for (const container of pod ? containersOf(pod) : []) {
      const [, name, tag] = /^([^:@]+(?::\d+\/[^:@]+)?)(?::([^@]+))?/.exec(container.image) ?? [];
      const rule = rules.find((candidate) => candidate.name === name);
      if (!rule) continue;
      const image = rule.newName ?? name;
      const newTag = rule.newTag ?? tag;
      container.image = rule.digest ? `${image}@${rule.digest}` : newTag ? `${image}:${newTag}` : image;
    }
  }
}

/** The objects `kubectl kustomize dir` would print, as far as described above. */
export function render(dir: string): Rendered {
  const kustomization = kustomizationOf(dir);
  const objects: Dict[] = [];
  const generatedNames = new Set<string>();
  const hashed = kustomization.generatorOptions?.disableNameSuffixHash !== true;
  for (const generator of [...(kustomization.configMapGenerator ?? []), ...(kustomization.secretGenerator ?? [])]) {
    if (hashed && generator.options?.disableNameSuffixHash !== true) generatedNames.add(generator.name);
  }
  for (const entry of [...(kustomization.resources ?? []), ...(kustomization.components ?? [])] as string[]) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      const inner = render(path);
      objects.push(...inner.objects);
      for (const name of inner.generatedNames) generatedNames.add(name);
    } else {
      objects.push(...parseAllDocuments(readFileSync(path, 'utf8')).map((document) => document.toJS()).filter(Boolean));
    }
  }
  applyImages(objects, kustomization.images ?? []);
  return { objects, generatedNames };
}
