import { serverKey } from './pg-client.js';

export interface ClusterUrls {
  primaryUrl: string;
  replicaUrls: string[];
}

/** Clusters started by this process, by primary server (host:port). */
const clusters = new Map<string, ClusterUrls>();

export function registerCluster(urls: ClusterUrls): void {
  clusters.set(serverKey(urls.primaryUrl), urls);
}

export function unregisterCluster(primaryUrl: string): void {
  clusters.delete(serverKey(primaryUrl));
}

export function findCluster(primaryUrl: string): ClusterUrls | undefined {
  return clusters.get(serverKey(primaryUrl));
}
