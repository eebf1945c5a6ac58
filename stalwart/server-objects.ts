import { MANAGEMENT_LISTENER } from "./listeners";

/**
 * Names of a Stalwart server's Kubernetes objects, derived from its base name (the StatefulSet's): one home for
 * the `StalwartServer` construct that creates them and for the monitoring that finds them.
 */

/** The base name of a server's objects unless it is given another. */
export const DEFAULT_SERVER_NAME = "stalwart";

/** The StatefulSet's volume claim template of the server's data (RocksDB). */
export const DATA_VOLUME = "data";

/** The ClusterIP Service of the management listener. */
export const managementServiceName = (name: string): string => `${name}-management`;

/** The management listener's in-cluster address, e.g. `stalwart-management.org-acme.svc:8080`. */
export const managementEndpointOf = (name: string, namespace: string): string => `${managementServiceName(name)}.${namespace}.svc:${MANAGEMENT_LISTENER.port}`;

/** The data volume's claim: Kubernetes names a claim template's claims `<template>-<statefulset>-<ordinal>`; one replica. */
export const dataClaimOf = (name: string): string => `${DATA_VOLUME}-${name}-0`;
