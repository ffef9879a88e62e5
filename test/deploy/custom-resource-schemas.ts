// JSON schemas of the custom resources the overlays use, covering the fields they set
// (from each operator's API reference: CloudNativePG 1.26+ postgresql.cnpg.io/v1, the
// Barman Cloud plugin barmancloud.cnpg.io/v1, RabbitMQ Cluster Operator rabbitmq.com/v1beta1,
// KEDA keda.sh/v1alpha1, Prometheus Operator monitoring.coreos.com/v1). Unknown fields are
// refused, so a typo fails.

const string = { type: 'string', minLength: 1 };
const quantity = { anyOf: [{ type: 'string', pattern: '^[0-9.]+(m|Ki|Mi|Gi|Ti|k|M|G)?$' }, { type: 'number' }] };
const resources = {
  type: 'object',
  additionalProperties: false,
  properties: {
    requests: { type: 'object', additionalProperties: quantity },
    limits: { type: 'object', additionalProperties: quantity },
  },
};
const secretKey = { type: 'object', additionalProperties: false, required: ['name', 'key'], properties: { name: string, key: string } };
const metadata = { type: 'object', required: ['name'], properties: { name: string, namespace: string } };
const object = (apiVersion: string, kind: string, spec: object) => ({
  type: 'object',
  additionalProperties: false,
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  properties: { apiVersion: { const: apiVersion }, kind: { const: kind }, metadata, spec },
});
const closed = (properties: Record<string, object>, required: string[] = []) => ({ type: 'object', additionalProperties: false, required, properties });
const topologySpread = {
  type: 'array',
  items: closed(
    {
      maxSkew: { type: 'integer', minimum: 1 },
      topologyKey: string,
      whenUnsatisfiable: { enum: ['DoNotSchedule', 'ScheduleAnyway'] },
      labelSelector: { type: 'object' },
    },
    ['maxSkew', 'topologyKey', 'whenUnsatisfiable'],
  ),
};

const cluster = object(
  'postgresql.cnpg.io/v1',
  'Cluster',
  closed(
    {
      instances: { type: 'integer', minimum: 1 },
      imageName: string,
      primaryUpdateStrategy: { enum: ['unsupervised', 'supervised'] },
      storage: closed({ size: string, storageClass: string }, ['size']),
      walStorage: closed({ size: string, storageClass: string }, ['size']),
      resources,
      postgresql: closed({
        parameters: { type: 'object', additionalProperties: { type: 'string' } },
        synchronous: closed(
          {
            method: { enum: ['any', 'first'] },
            number: { type: 'integer', minimum: 1 },
            dataDurability: { enum: ['required', 'preferred'] },
          },
          ['method', 'number'],
        ),
      }),
      bootstrap: closed({
        initdb: closed({ database: string, owner: string, secret: closed({ name: string }), postInitApplicationSQL: { type: 'array', items: string } }, ['database', 'owner']),
      }),
      managed: closed({
        roles: {
          type: 'array',
          items: closed(
            {
              name: string,
              ensure: { enum: ['present', 'absent'] },
              login: { type: 'boolean' },
              superuser: { type: 'boolean' },
              createdb: { type: 'boolean' },
              createrole: { type: 'boolean' },
              replication: { type: 'boolean' },
              bypassrls: { type: 'boolean' },
              inherit: { type: 'boolean' },
              connectionLimit: { type: 'integer' },
              inRoles: { type: 'array', items: string },
              passwordSecret: closed({ name: string }, ['name']),
            },
            ['name'],
          ),
        },
      }),
      plugins: {
        type: 'array',
        items: closed({ name: string, isWALArchiver: { type: 'boolean' }, parameters: { type: 'object', additionalProperties: { type: 'string' } } }, ['name']),
      },
      affinity: closed({
        enablePodAntiAffinity: { type: 'boolean' },
        topologyKey: string,
        podAntiAffinityType: { enum: ['preferred', 'required'] },
      }),
      topologySpreadConstraints: topologySpread,
    },
    ['instances', 'storage'],
  ),
);

const scheduledBackup = object(
  'postgresql.cnpg.io/v1',
  'ScheduledBackup',
  closed(
    {
      // Six fields, seconds first.
      schedule: { type: 'string', pattern: '^\\S+( \\S+){5}$' },
      immediate: { type: 'boolean' },
      backupOwnerReference: { enum: ['none', 'self', 'cluster'] },
      cluster: closed({ name: string }, ['name']),
      method: { enum: ['barmanObjectStore', 'volumeSnapshot', 'plugin'] },
      pluginConfiguration: closed({ name: string, parameters: { type: 'object' } }, ['name']),
    },
    ['schedule', 'cluster'],
  ),
);

const objectStore = object(
  'barmancloud.cnpg.io/v1',
  'ObjectStore',
  closed(
    {
      retentionPolicy: { type: 'string', pattern: '^[1-9][0-9]*[dwm]$' },
      configuration: closed(
        {
          destinationPath: { type: 'string', pattern: '^(s3|gs|https)://' },
          endpointURL: string,
          s3Credentials: closed({ accessKeyId: secretKey, secretAccessKey: secretKey }),
          wal: closed({ compression: { enum: ['gzip', 'bzip2', 'snappy', 'lz4', 'xz', 'zstd'] } }),
          data: closed({ compression: { enum: ['gzip', 'bzip2', 'snappy'] } }),
        },
        ['destinationPath'],
      ),
      instanceSidecarConfiguration: closed({ resources }),
    },
    ['configuration'],
  ),
);

const rabbitmqCluster = object(
  'rabbitmq.com/v1beta1',
  'RabbitmqCluster',
  closed({
    replicas: { type: 'integer', minimum: 1 },
    image: string,
    resources,
    persistence: closed({ storage: string, storageClassName: string }),
    rabbitmq: closed({ additionalConfig: { type: 'string' }, additionalPlugins: { type: 'array', items: string } }),
    override: closed({ statefulSet: { type: 'object' }, service: { type: 'object' } }),
  }),
);

const scaledObject = object(
  'keda.sh/v1alpha1',
  'ScaledObject',
  closed(
    {
      scaleTargetRef: closed({ name: string, kind: string, apiVersion: string }, ['name']),
      minReplicaCount: { type: 'integer', minimum: 0 },
      maxReplicaCount: { type: 'integer', minimum: 1 },
      pollingInterval: { type: 'integer', minimum: 1 },
      cooldownPeriod: { type: 'integer', minimum: 0 },
      triggers: {
        type: 'array',
        minItems: 1,
        items: closed({ type: string, metadata: { type: 'object', additionalProperties: { type: 'string' } } }, ['type', 'metadata']),
      },
    },
    ['scaleTargetRef', 'triggers'],
  ),
);

const podMonitor = object(
  'monitoring.coreos.com/v1',
  'PodMonitor',
  closed(
    {
      jobLabel: string,
      selector: closed({
        matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
        matchExpressions: {
          type: 'array',
          items: closed({ key: string, operator: { enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] }, values: { type: 'array', items: string } }, ['key', 'operator']),
        },
      }),
      podMetricsEndpoints: {
        type: 'array',
        minItems: 1,
        items: closed({ port: string, path: { type: 'string', pattern: '^/' }, interval: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' } }, ['port']),
      },
    },
    ['selector', 'podMetricsEndpoints'],
  ),
);

const prometheusRule = object(
  'monitoring.coreos.com/v1',
  'PrometheusRule',
  closed(
    {
      groups: {
        type: 'array',
        minItems: 1,
        items: closed(
          {
            name: string,
            interval: string,
            rules: {
              type: 'array',
              minItems: 1,
              items: closed(
                {
                  alert: string,
                  record: string,
                  expr: string,
                  for: { type: 'string', pattern: '^[0-9]+(ms|s|m|h)$' },
                  labels: { type: 'object', additionalProperties: { type: 'string' } },
                  annotations: { type: 'object', additionalProperties: { type: 'string' } },
                },
                ['expr'],
              ),
            },
          },
          ['name', 'rules'],
        ),
      },
    },
    ['groups'],
  ),
);

/** Schema by `apiVersion/kind`. */
export const CUSTOM_RESOURCE_SCHEMAS: Record<string, object> = {
  'postgresql.cnpg.io/v1/Cluster': cluster,
  'postgresql.cnpg.io/v1/ScheduledBackup': scheduledBackup,
  'barmancloud.cnpg.io/v1/ObjectStore': objectStore,
  'rabbitmq.com/v1beta1/RabbitmqCluster': rabbitmqCluster,
  'keda.sh/v1alpha1/ScaledObject': scaledObject,
  'monitoring.coreos.com/v1/PodMonitor': podMonitor,
  'monitoring.coreos.com/v1/PrometheusRule': prometheusRule,
};
