import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { envEntries } from './config-text.js';

// A small kustomize for the features deploy/k8s uses, so that tests can render the
// overlays without kubectl: resources (files and directories), components, generators
// (ConfigMaps and Secrets with hash suffixes, behavior replace), strategic-merge patches
// (by the patch's own name or by target), namespace, labels, images and replacements,
// then the rename of generated objects and of every reference to them.

export type K8sObject = Record<string, any>;

export interface RenderOptions {
  /** Read `x.env` from `x.env.example` when `x.env` is absent (the overlays keep real values out of git). */
  envFromExamples?: boolean;
}

interface Generated {
  object: K8sObject;
  hashed: boolean;
}

interface Build {
  objects: K8sObject[];
  generated: Map<K8sObject, Generated>;
}

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PersistentVolume', 'StorageClass', 'ClusterIssuer', 'IngressClass', 'PriorityClass']);
const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job']);

// The strategic-merge keys of the built-in lists the patches touch (Kubernetes' patchMergeKey).
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
  topologySpreadConstraints: 'topologyKey',
};

export function renderKustomization(dir: string, options: RenderOptions = {}): K8sObject[] {
  const build: Build = { objects: [], generated: new Map() };
  accumulate(resolve(dir), build, options);
  return finish(build);
}

function readKustomization(dir: string): K8sObject {
  const file = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].map((name) => join(dir, name)).find(existsSync);
  if (!file) throw new Error(`no kustomization in ${dir}`);
  return parse(readFileSync(file, 'utf8')) ?? {};
}

function readDocuments(path: string): K8sObject[] {
  return parseAllDocuments(readFileSync(path, 'utf8'))
    .map((document) => document.toJS({ maxAliasCount: -1 }))
    .filter((object) => object && typeof object === 'object');
}

function readText(path: string, options: RenderOptions): string {
  if (!existsSync(path) && options.envFromExamples && existsSync(`${path}.example`)) return readFileSync(`${path}.example`, 'utf8');
  return readFileSync(path, 'utf8');
}

function accumulate(dir: string, build: Build, options: RenderOptions): void {
  const kustomization = readKustomization(dir);
  for (const entry of kustomization.resources ?? []) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      const inner: Build = { objects: [], generated: new Map() };
      accumulate(path, inner, options);
      build.objects.push(...inner.objects);
      for (const [object, generated] of inner.generated) build.generated.set(object, generated);
    } else {
      build.objects.push(...readDocuments(path));
    }
  }
  runGenerators(dir, kustomization, build, options);
  // Components run after the kustomization's resources and generators, before its transformers.
  for (const component of kustomization.components ?? []) accumulate(join(dir, component), build, options);
  for (const patch of kustomization.patches ?? []) applyPatch(dir, patch, build.objects);
  if (kustomization.namespace) setNamespace(build.objects, kustomization.namespace);
  for (const labels of kustomization.labels ?? []) addLabels(build.objects, labels);
  for (const image of kustomization.images ?? []) setImage(build.objects, image);
  for (const replacement of kustomization.replacements ?? []) replace(build.objects, replacement);
}

// ---- generators -------------------------------------------------------------------

function generatorData(dir: string, generator: K8sObject, options: RenderOptions): Record<string, string> {
  const data: Record<string, string> = {};
  for (const file of generator.envs ?? []) for (const [key, value] of envEntries(readText(join(dir, file), options))) data[key] = value;
  for (const file of generator.files ?? []) {
    const [key, path] = file.includes('=') ? file.split('=') : [basename(file), file];
    data[key] = readText(join(dir, path), options);
  }
  for (const literal of generator.literals ?? []) data[literal.slice(0, literal.indexOf('='))] = literal.slice(literal.indexOf('=') + 1);
  return data;
}

/** Base64 as kustomize writes a Secret's values: lines of 70 characters, each ending in a newline, once longer than one. */
function base64Lines(value: string): string {
  const encoded = Buffer.from(value).toString('base64');
  return encoded.length <= 70 ? encoded : (encoded.match(/.{1,70}/g) ?? []).map((line) => `${line}\n`).join('');
}

function runGenerators(dir: string, kustomization: K8sObject, build: Build, options: RenderOptions): void {
  const kinds: Array<[string, K8sObject[]]> = [
    ['ConfigMap', kustomization.configMapGenerator ?? []],
    ['Secret', kustomization.secretGenerator ?? []],
  ];
  for (const [kind, generators] of kinds) {
    for (const generator of generators) {
      const data = generatorData(dir, generator, options);
      const object: K8sObject = { apiVersion: 'v1', kind, metadata: { name: generator.name } };
      const labels = { ...kustomization.generatorOptions?.labels, ...generator.options?.labels };
      const annotations = { ...kustomization.generatorOptions?.annotations, ...generator.options?.annotations };
      if (Object.keys(labels).length) object.metadata.labels = labels;
      if (Object.keys(annotations).length) object.metadata.annotations = annotations;
      if (kind === 'Secret') {
        object.type = generator.type ?? 'Opaque';
        object.data = Object.fromEntries(Object.entries(data).map(([key, value]) => [key, base64Lines(value)]));
      } else {
        object.data = data;
      }
      const hashed = !(generator.options?.disableNameSuffixHash ?? kustomization.generatorOptions?.disableNameSuffixHash);
      const behavior = generator.behavior ?? 'create';
      const existing = build.objects.findIndex((o) => o.kind === kind && o.metadata.name === generator.name);
      if (behavior === 'create') {
        if (existing >= 0) throw new Error(`${kind} ${generator.name} already exists`);
        build.objects.push(object);
      } else {
        if (existing < 0) throw new Error(`${kind} ${generator.name} to ${behavior} does not exist`);
        const previous = build.objects[existing];
        if (previous.metadata.namespace) object.metadata.namespace = previous.metadata.namespace;
        // kustomize keeps the replaced object's labels and annotations under the new ones.
        for (const field of ['labels', 'annotations']) {
          const merged = { ...previous.metadata[field], ...object.metadata[field] };
          if (Object.keys(merged).length) object.metadata[field] = merged;
        }
        if (behavior === 'merge') object.data = { ...previous.data, ...object.data };
        build.generated.delete(previous);
        build.objects[existing] = object;
      }
      build.generated.set(object, { object, hashed });
    }
  }
}

// ---- strategic merge -------------------------------------------------------------------

const isMap = (value: unknown): value is K8sObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Kubernetes' strategic merge as kustomize applies it: maps merge; keyed lists merge by key,
 * the patch's entries first, in its order, then the others; other lists are replaced.
 */
export function strategicMerge(base: unknown, patch: unknown, field = ''): unknown {
  if (isMap(patch)) {
    if (patch.$patch === 'replace') return withoutDirectives(patch);
    const result: K8sObject = isMap(base) ? { ...base } : {};
    for (const [key, value] of Object.entries(patch)) {
      if (key.startsWith('$')) continue;
      if (value === null) delete result[key];
      else result[key] = strategicMerge(result[key], value, key);
    }
    return result;
  }
  if (Array.isArray(patch) && MERGE_KEYS[field]) {
    const key = MERGE_KEYS[field];
    const rest = Array.isArray(base) ? [...base] : [];
    const patched: unknown[] = [];
    for (const item of patch) {
      const index = rest.findIndex((existing) => isMap(existing) && existing[key] === item[key]);
      const existing = index >= 0 ? rest.splice(index, 1)[0] : undefined;
      if (item.$patch === 'delete') continue;
      patched.push(existing === undefined ? withoutDirectives(item) : strategicMerge(existing, item));
    }
    return [...patched, ...rest];
  }
  return patch;
}

function withoutDirectives(value: K8sObject): K8sObject {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !key.startsWith('$')));
}

function matchesTarget(object: K8sObject, target: K8sObject): boolean {
  const full = (pattern: string | undefined, value: string | undefined) => pattern === undefined || new RegExp(`^(?:${pattern})$`).test(value ?? '');
  const [group, version] = String(object.apiVersion).includes('/') ? String(object.apiVersion).split('/') : ['', object.apiVersion];
  return (
    full(target.kind, object.kind) &&
    full(target.name, object.metadata?.name) &&
    full(target.namespace, object.metadata?.namespace) &&
    full(target.group, group) &&
    full(target.version, version)
  );
}

function applyPatch(dir: string, entry: K8sObject, objects: K8sObject[]): void {
  const patches = entry.path ? readDocuments(join(dir, entry.path)) : parseAllDocuments(entry.patch).map((d) => d.toJS());
  for (const patch of patches) {
    if (Array.isArray(patch)) throw new Error('JSON 6902 patches are not supported by this renderer');
    const target = entry.target ?? { kind: patch.kind, name: patch.metadata?.name, namespace: patch.metadata?.namespace };
    const matched = objects.filter((object) => matchesTarget(object, target));
    // kustomize refuses a patch that names its object and finds none; a target may match none.
    if (!entry.target && matched.length === 0) throw new Error(`patch ${entry.path ?? ''}: no ${patch.kind} ${patch.metadata?.name}`);
    for (const object of matched) {
      const { metadata, ...rest } = patch;
      const { name: _name, namespace: _namespace, ...meta } = metadata ?? {};
      const merged = strategicMerge(object, { ...rest, metadata: meta }) as K8sObject;
      for (const key of Object.keys(object)) delete object[key];
      Object.assign(object, merged);
    }
  }
}

// ---- transformers -------------------------------------------------------------------

function setNamespace(objects: K8sObject[], namespace: string): void {
  for (const object of objects) if (!CLUSTER_SCOPED.has(object.kind)) object.metadata.namespace = namespace;
}

function addLabelsTo(holder: K8sObject, pairs: Record<string, string>): void {
  holder.metadata = { ...holder.metadata, labels: { ...holder.metadata?.labels, ...pairs } };
}

function addLabels(objects: K8sObject[], entry: K8sObject): void {
  for (const object of objects) {
    object.metadata.labels = { ...object.metadata.labels, ...entry.pairs };
    if (!entry.includeTemplates) continue;
    // A CronJob's job template is labelled too, as well as the pod template inside it.
    if (object.kind === 'CronJob' && object.spec?.jobTemplate) addLabelsTo(object.spec.jobTemplate, entry.pairs);
    const template = podTemplateOf(object);
    if (template && object.kind !== 'Pod') addLabelsTo(template, entry.pairs);
  }
}

/** The pod template of a workload (a CronJob's inside its job template), a Pod as one. */
export function podTemplateOf(object: K8sObject): K8sObject | undefined {
  if (object.kind === 'Pod') return object;
  if (object.kind === 'CronJob') return object.spec?.jobTemplate?.spec?.template;
  return WORKLOADS.has(object.kind) ? object.spec?.template : undefined;
}

/** Every pod spec of an object: a Pod's, a workload's template, a CronJob's job template. */
export function podSpecs(object: K8sObject): K8sObject[] {
  return [podTemplateOf(object)?.spec].filter(Boolean);
}

/** Every container of an object's pods, init containers first. */
export function containersOf(object: K8sObject): K8sObject[] {
  return podSpecs(object).flatMap((spec) => [...(spec.initContainers ?? []), ...(spec.containers ?? [])]);
}

/** The image's name without tag or digest (`host:5000/app:1.0@sha256:...` -> `host:5000/app`). */
export function imageName(image: string): string {
  const withoutDigest = image.split('@')[0];
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

function setImage(objects: K8sObject[], entry: K8sObject): void {
  for (const container of objects.flatMap(containersOf)) {
    if (imageName(container.image) !== entry.name) continue;
    const rest = container.image.slice(imageName(container.image).length);
    const name = entry.newName ?? entry.name;
    if (entry.digest) container.image = `${name}${entry.newTag ? `:${entry.newTag}` : ''}@${entry.digest}`;
    else if (entry.newTag) container.image = `${name}:${entry.newTag}`;
    else container.image = `${name}${rest}`;
  }
}

function pathSegments(fieldPath: string): string[] {
  return fieldPath.split('.');
}

function walk(object: K8sObject, segments: string[]): { parent: any; key: string | number } {
  let node: any = object;
  for (const segment of segments.slice(0, -1)) {
    const selector = segment.match(/^\[(\w+)=(.*)\]$/);
    node = selector ? node.find((item: K8sObject) => String(item[selector[1]]) === selector[2]) : node[/^\d+$/.test(segment) ? Number(segment) : segment];
    if (node === undefined) throw new Error(`no field ${segments.join('.')}`);
  }
  const last = segments.at(-1)!;
  return { parent: node, key: /^\d+$/.test(last) ? Number(last) : last };
}

function replace(objects: K8sObject[], replacement: K8sObject): void {
  const { source, targets } = replacement;
  const from = objects.find((object) => matchesTarget(object, source));
  if (!from) throw new Error(`replacement source ${source.kind} ${source.name} not found`);
  const { parent, key } = walk(from, pathSegments(source.fieldPath ?? 'metadata.name'));
  const value = String(parent[key]);
  for (const target of targets) {
    for (const object of objects.filter((o) => matchesTarget(o, target.select))) {
      for (const fieldPath of target.fieldPaths) {
        const field = walk(object, pathSegments(fieldPath));
        if (target.options?.delimiter !== undefined) {
          const parts = String(field.parent[field.key]).split(target.options.delimiter);
          parts[target.options.index ?? 0] = value;
          field.parent[field.key] = parts.join(target.options.delimiter);
        } else {
          field.parent[field.key] = value;
        }
      }
    }
  }
}

// ---- generated names -------------------------------------------------------------------

/** Go's json.Marshal of the object kustomize hashes (sorted keys, HTML characters escaped). */
function goJson(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    isMap(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v;
  return JSON.stringify(sorted(value))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * kustomize's name suffix: the first 10 hex digits of the SHA-256 of kind, name, data (and
 * a Secret's type), with 0 1 3 a e swapped for letters. kustomize 5 looks the name up as
 * one field called "metadata/name", finds none and hashes "": so does this.
 */
export function nameSuffix(object: K8sObject): string {
  const hashed: K8sObject = { kind: object.kind, name: '', data: object.data ?? '' };
  if (object.kind === 'Secret') hashed.type = object.type ?? '';
  const hex = createHash('sha256').update(goJson(hashed)).digest('hex').slice(0, 10);
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex].map((c) => swap[c] ?? c).join('');
}

function renameReferences(object: K8sObject, renamed: Map<string, string>): void {
  const rename = (kind: string, holder: K8sObject | undefined, field: string) => {
    const next = holder && renamed.get(`${kind}/${object.metadata.namespace ?? ''}/${holder[field]}`);
    if (next) holder![field] = next;
  };
  for (const spec of podSpecs(object)) {
    for (const container of [...(spec.initContainers ?? []), ...(spec.containers ?? [])]) {
      for (const variable of container.env ?? []) {
        rename('ConfigMap', variable.valueFrom?.configMapKeyRef, 'name');
        rename('Secret', variable.valueFrom?.secretKeyRef, 'name');
      }
      for (const from of container.envFrom ?? []) {
        rename('ConfigMap', from.configMapRef, 'name');
        rename('Secret', from.secretRef, 'name');
      }
    }
    for (const volume of spec.volumes ?? []) {
      rename('ConfigMap', volume.configMap, 'name');
      rename('Secret', volume.secret, 'secretName');
      for (const source of volume.projected?.sources ?? []) {
        rename('ConfigMap', source.configMap, 'name');
        rename('Secret', source.secret, 'name');
      }
    }
    for (const pullSecret of spec.imagePullSecrets ?? []) rename('Secret', pullSecret, 'name');
  }
}

function finish(build: Build): K8sObject[] {
  const renamed = new Map<string, string>();
  for (const { object, hashed } of build.generated.values()) {
    if (!hashed) continue;
    const name = `${object.metadata.name}-${nameSuffix(object)}`;
    renamed.set(`${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`, name);
    object.metadata.name = name;
  }
  for (const object of build.objects) renameReferences(object, renamed);
  return build.objects;
}
